-- GET /health through the same request() path as the other scripts, so that the client does the same work per request.
local requests = {}
init = function(args)
  requests[1] = wrk.format("GET", "/health")
end
request = function()
  return requests[math.random(1, 1)]
end
done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
