package gateway

import (
	"fmt"
	"io"
	"text/template"
	"time"
)

// nginxConf is what the nginx configuration is written from.
type nginxConf struct {
	Dir        string // working directory: pid file, temp paths
	Listen     string // host:port the gateway listens on
	A, B       string // host:port of API a and API b
	Timeout    time.Duration
	Keepalive  int    // idle keep-alive connections per upstream and worker
	Lua        bool   // fan out with the Lua module instead of mirroring
	ModulesDir string // where load_module finds the Lua module (Lua only)
}

// Secs renders a timeout as nginx wants it: whole milliseconds.
func (c nginxConf) Secs() string { return fmt.Sprintf("%dms", max(c.Timeout.Milliseconds(), 1)) }

// write renders the configuration to w.
func (c nginxConf) write(w io.Writer) error { return nginxTemplate.Execute(w, c) }

// nginxTemplate is one configuration for both implementations. The
// upstreams keep connections alive (HTTP/1.1 and an empty Connection
// header, as nginx's documentation requires for upstream keep-alive); the
// client's headers, Idempotency-Key among them, pass through to both APIs
// unchanged — proxy_pass forwards them, and mirror and Lua subrequests
// inherit them from the main request.
//
// nginx: proxy_pass to a; the mirror directive sends a copy to b whose
// answer nginx discards, so the user's answer is a's. nginx-lua: both legs
// as subrequests at once (ngx.location.capture_multi), answered after both
// as the own gateway with wait: all does: 200, or 502 naming the failed
// legs.
var nginxTemplate = template.Must(template.New("nginx.conf").Parse(`# written by fanbench for one run; removed when it ends
{{- if .Lua}}
load_module {{.ModulesDir}}/ndk_http_module.so;
load_module {{.ModulesDir}}/ngx_http_lua_module.so;
{{- end}}
daemon off;
worker_processes 1;
pid {{.Dir}}/nginx.pid;
error_log stderr warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path {{.Dir}}/body;
    proxy_temp_path {{.Dir}}/proxy;
    fastcgi_temp_path {{.Dir}}/fastcgi;
    uwsgi_temp_path {{.Dir}}/uwsgi;
    scgi_temp_path {{.Dir}}/scgi;
    client_body_buffer_size 1m;
    client_max_body_size 1m;
    keepalive_requests 1000000;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_connect_timeout {{.Secs}};
    proxy_send_timeout {{.Secs}};
    proxy_read_timeout {{.Secs}};
    proxy_next_upstream off;
    upstream fanbench_a { server {{.A}}; keepalive {{.Keepalive}}; }
    upstream fanbench_b { server {{.B}}; keepalive {{.Keepalive}}; }
    server {
        listen {{.Listen}};
        # How many requests are still in progress: a request whose mirror
        # has not finished is, so Drain waits on it.
        location = /_fanbench/nginx_status { stub_status; allow 127.0.0.1; deny all; }
{{- if .Lua}}
        location / {
            content_by_lua_block {
                ngx.req.read_body()
                local opts = {method = ngx.HTTP_POST, always_forward_body = true}
                local ra, rb = ngx.location.capture_multi({{"{{"}}"/_fanbench_a", opts}, {"/_fanbench_b", opts}})
                local failed = {}
                for i, r in ipairs({ra, rb}) do
                    if r.status < 200 or r.status >= 300 then
                        local leg = i == 1 and "a" or "b"
                        failed[#failed + 1] = string.format('"%s: status %d"', leg, r.status)
                    end
                end
                local id = (ngx.var.http_idempotency_key or ""):gsub('[%c"\\]', function(c)
                    return string.format("\\u%04x", c:byte())
                end)
                ngx.header["Content-Type"] = "application/json"
                if #failed == 0 then
                    ngx.status = 200
                    ngx.header["X-Fanbench-Completed"] = "true"
                    ngx.say('{"id":"', id, '","status":"delivered"}')
                else
                    ngx.status = 502
                    ngx.header["X-Fanbench-Completed"] = "false"
                    ngx.say('{"id":"', id, '","status":"failed","failed":[', table.concat(failed, ","), ']}')
                end
            }
        }
        location = /_fanbench_a { internal; proxy_pass http://fanbench_a/send; }
        location = /_fanbench_b { internal; proxy_pass http://fanbench_b/send; }
{{- else}}
        # nginx finishes a request only once its mirror has: on a kept-alive
        # connection the user's next request would wait for b. Each user
        # request gets its connection, so the user waits for a alone.
        keepalive_timeout 0;
        location / {
            mirror /_fanbench_b;
            mirror_request_body on;
            proxy_pass http://fanbench_a;
        }
        location = /_fanbench_b { internal; proxy_pass http://fanbench_b/send; }
{{- end}}
    }
}
`))
