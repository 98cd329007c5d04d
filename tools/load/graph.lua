-- GETs Graph deviceLocalCredentialInfo of one of the ids in LAPS_IDS_FILE (one per line), chosen at random per request,
-- with a bearer token (LAPS_TOKEN) and an optional query (LAPS_QUERY). Requests are formatted once, up front.
local requests = {}
local query = os.getenv("LAPS_QUERY") or ""
local headers = { ["Authorization"] = "Bearer " .. os.getenv("LAPS_TOKEN") }
-- init runs in each thread once wrk has set the Host header; formatting earlier would leave it out.
init = function(args)
  for line in io.lines(os.getenv("LAPS_IDS_FILE")) do
    if #line > 0 then requests[#requests + 1] = wrk.format("GET", "/v1.0/directory/deviceLocalCredentials/" .. line .. query, headers) end
  end
end
request = function()
  return requests[math.random(1, #requests)]
end
done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
