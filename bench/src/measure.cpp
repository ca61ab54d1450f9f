// bench-measure: runs one command and reports its wall time, CPU time and peak RSS, which bash's
// `time` cannot give. The figures are getrusage(RUSAGE_CHILDREN) after the wait: CPU time of the whole
// process tree, and the peak RSS of its largest process (tshark's own behind setpriv and env, the
// largest tshark of a loop over files).
//
//   bench-measure STDOUT_FILE -- COMMAND [ARG...]
//   prints: wall_s user_s sys_s maxrss_kib exit_status
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[2], "--") != 0) {
    std::fprintf(stderr, "usage: bench-measure STDOUT_FILE -- COMMAND [ARG...]\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    const int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0 || dup2(out, STDOUT_FILENO) < 0) _exit(127);
    execvp(argv[3], argv + 3);
    std::fprintf(stderr, "bench-measure: cannot run %s: %s\n", argv[3], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) < 0) return 2;
  struct rusage usage {};
  getrusage(RUSAGE_CHILDREN, &usage);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  const int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("%.4f %.4f %.4f %ld %d\n", wall, seconds(usage.ru_utime), seconds(usage.ru_stime), usage.ru_maxrss,
              exit_status);
  return 0;
}
