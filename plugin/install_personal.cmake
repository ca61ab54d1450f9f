# Copies the built plugin into the personal plugin dir of whoever runs the build (HOME read at build
# time, not at configure time). Invoked by the install-plugin-personal target with -DPLUGIN=<.so>
# -DWS_ABI=<major.minor>.
if(NOT DEFINED ENV{HOME} OR "$ENV{HOME}" STREQUAL "")
  message(FATAL_ERROR "HOME is not set: no personal plugin dir")
endif()
set(dir "$ENV{HOME}/.local/lib/wireshark/plugins/${WS_ABI}/epan")
file(MAKE_DIRECTORY "${dir}")
file(COPY "${PLUGIN}" DESTINATION "${dir}")
message(STATUS "Installed ${PLUGIN} into ${dir}")
