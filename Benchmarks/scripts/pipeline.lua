-- HTTP/1.1 pipelining: each connection sends DEPTH requests (wrk's first script argument,
-- default 16) for the URL's path in one write, then reads the DEPTH responses.
init = function(args)
   local depth = tonumber(args[1]) or 16
   local path = wrk.path
   local batch = {}
   for i = 1, depth do
      batch[i] = wrk.format(nil, path)
   end
   pipelined = table.concat(batch)
end

request = function()
   return pipelined
end
