-- GETs Graph deviceLocalCredentialInfo of one of the ids in LAPS_IDS_FILE (one per line) with a bearer token (LAPS_TOKEN).
local ids = {}
for line in io.lines(os.getenv("LAPS_IDS_FILE")) do ids[#ids + 1] = line end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LAPS_TOKEN")
local query = os.getenv("LAPS_QUERY") or ""
request = function()
  return wrk.format("GET", "/v1.0/directory/deviceLocalCredentials/" .. ids[math.random(1, #ids)] .. query)
end
done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
