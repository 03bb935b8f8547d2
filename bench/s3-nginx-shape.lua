-- The link of a shaped server in bench/s3-nginx.sh: wait $shape_latency seconds (time to first byte), then send the
-- object's bytes paced to $shape_rate bytes/s on an absolute schedule (a late wake-up is made up, never
-- accumulated). nginx's own limit_rate lets a response burst through its first second (4 MiB at "5 MB/s" arrived
-- in 0.45 s instead of 0.84). Headers (ETag, Last-Modified, 404s) come from the unshaped static location by a HEAD
-- subrequest, so both servers give the same ETag; nginx applies neither ranges nor If-Match to subrequests, so the
-- single byte range and If-Match are done here.
local latency = tonumber(ngx.var.shape_latency)
local rate = tonumber(ngx.var.shape_rate)
if latency > 0 then
  ngx.sleep(latency)
end
local meta = ngx.location.capture("/__raw" .. ngx.var.uri, { method = ngx.HTTP_HEAD })
if meta.status ~= 200 then
  -- A HEAD subrequest has no body: give the S3 error here.
  ngx.status = meta.status
  ngx.header["Content-Type"] = "application/xml"
  local code = meta.status == 404 and "NoSuchKey" or "InternalError"
  ngx.print('<?xml version="1.0" encoding="UTF-8"?><Error><Code>' .. code .. '</Code></Error>')
  return ngx.exit(meta.status)
end
local etag = meta.header["ETag"]
local match = ngx.var.http_if_match
if match and match ~= "*" and match ~= etag then
  ngx.status = 412
  ngx.header["Content-Type"] = "application/xml"
  ngx.print('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>')
  return ngx.exit(412)
end
local file = assert(io.open(ngx.var.document_root .. ngx.var.uri, "rb"))
local size = file:seek("end")
local first, last = 0, size - 1
local range = ngx.var.http_range
if range then
  local a, b = range:match("^bytes=(%d*)-(%d*)$")
  if a == nil or (a == "" and b == "") then
    file:close()
    return ngx.exit(416)
  end
  if a == "" then
    first = math.max(0, size - tonumber(b))
  else
    first = tonumber(a)
    if b ~= "" then last = math.min(last, tonumber(b)) end
  end
  if first > last then
    file:close()
    ngx.header["Content-Range"] = "bytes */" .. size
    return ngx.exit(416)
  end
  ngx.status = 206
  ngx.header["Content-Range"] = string.format("bytes %d-%d/%d", first, last, size)
end
ngx.header["ETag"] = etag
ngx.header["Last-Modified"] = meta.header["Last-Modified"]
ngx.header["Accept-Ranges"] = "bytes"
ngx.header["Content-Type"] = "application/octet-stream"
ngx.header["Content-Length"] = last - first + 1
if ngx.req.get_method() == "HEAD" then
  file:close()
  return
end
-- Slices of 1/100 s of the rate (at most 64 KiB) keep the flow smooth.
local slice = math.max(4096, math.min(65536, math.floor(rate / 100)))
file:seek("set", first)
ngx.update_time()
local start = ngx.now()
local sent, total = 0, last - first + 1
while sent < total do
  local part = file:read(math.min(slice, total - sent))
  ngx.print(part)
  if not ngx.flush(true) then
    break
  end
  sent = sent + #part
  ngx.update_time()
  local ahead = start + sent / rate - ngx.now()
  if ahead > 0.001 then
    ngx.sleep(ahead)
  end
end
file:close()
