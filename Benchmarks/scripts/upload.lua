-- POST of a fixed body: the file named by wrk's first script argument.
init = function(args)
   local file = assert(io.open(args[1], "rb"))
   wrk.method = "POST"
   wrk.body = file:read("*a")
   file:close()
   wrk.headers["Content-Type"] = "application/octet-stream"
end
