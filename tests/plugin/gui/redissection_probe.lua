-- Loaded into wireshark-qt by tests/plugin/gui_redissection.sh. A tap listener on every frame that shows
-- a judged connection (tlsflags.connection: only passes after the first have one) writes one line per
-- (frame, expert info), then ends Wireshark once a redissection pass has been drawn.
--   TLSFLAGS_PROBE_OUT: the file to write ("INDEX<TAB>CLIENT<TAB>SERVER<TAB>VERDICT<TAB>MESSAGE<TAB>SEVERITY")
local index = Field.new("tlsflags.connection.index")
local client = Field.new("tlsflags.connection.client")
local server = Field.new("tlsflags.connection.server")
local verdict = Field.new("tlsflags.verdict")
local message = Field.new("_ws.expert.message")
local severity = Field.new("_ws.expert.severity")

local out = assert(io.open(os.getenv("TLSFLAGS_PROBE_OUT"), "w"))
local frames = 0
local listener = Listener.new("frame", "tlsflags.connection")

local function line(fields)
  out:write(table.concat(fields, "\t"), "\n")
end

function listener.packet(pinfo)
  frames = frames + 1
  local head = {tostring(index().value), client().value, server().value, verdict().value}
  local messages, severities = {message()}, {severity()}
  line({head[1], head[2], head[3], head[4], "-", "-", tostring(pinfo.number)})
  for i, m in ipairs(messages) do
    line({head[1], head[2], head[3], head[4], m.value, tostring(severities[i].value), tostring(pinfo.number)})
  end
end

-- The first pass (the file loading) shows no judged connection, so frames stays 0 until a later pass.
function listener.draw()
  if frames == 0 then return end
  out:close()
  os.exit(0)
end
