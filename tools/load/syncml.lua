-- POSTs one SyncML package (LAPS_BODY_FILE) to one of LAPS_DEVICES devices, chosen at random per request, each message a
-- new DM session (MsgID 1), as an MDM server talking to a fleet would.
local devices = tonumber(os.getenv("LAPS_DEVICES") or "64")
local f = assert(io.open(os.getenv("LAPS_BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/vnd.syncml.dm+xml"
request = function()
  return wrk.format(nil, "/devices/LOAD-" .. math.random(1, devices) .. "/syncml")
end
done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
