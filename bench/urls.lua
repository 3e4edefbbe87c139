-- wrk script for bench/load.py: each connection walks a list of URLs, and the run ends by
-- printing one JSON line with the counts and latency percentiles for load.py to read.
--
--   wrk -t2 -c64 -d60s -s bench/urls.lua http://127.0.0.1:8000 -- urls.txt [gzip]

local paths = {}
local counter = 0
local gzip = false
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function init(args)
   for line in io.lines(args[1]) do
      if line ~= "" then
         table.insert(paths, line)
      end
   end
   gzip = args[2] == "gzip"
   -- Threads start at different places in the list, so all page types are hit from the start.
   counter = (id or 1) * 7919
end

function request()
   counter = counter + 1
   local headers = {}
   if gzip then
      headers["Accept-Encoding"] = "gzip"
   end
   return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'JSON:{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, '
         .. '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean
   ))
end
