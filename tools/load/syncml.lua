-- POSTs one SyncML package (LAPS_BODY_FILE) to one of LAPS_DEVICES devices, chosen at random per request, each message a
-- new DM session (MsgID 1), as an MDM server talking to a fleet would. Requests are formatted once, up front, so that the
-- client's cost per request is the same as in trivial.lua and graph.lua.
local devices = tonumber(os.getenv("LAPS_DEVICES") or "64")
local f = assert(io.open(os.getenv("LAPS_BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()
local requests = {}
-- init runs in each thread once wrk has set the Host header; formatting earlier would leave it out.
init = function(args)
  for i = 1, devices do
    requests[i] = wrk.format("POST", "/devices/LOAD-" .. i .. "/syncml", { ["Content-Type"] = "application/vnd.syncml.dm+xml" }, body)
  end
end
request = function()
  return requests[math.random(1, devices)]
end
done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
