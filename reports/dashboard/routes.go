package dashboard

import (
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"time"

	"github.com/fanbench/fanbench/reports/charts"
)

// routes lists the dashboard's whole surface.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handlePage())
	mux.Handle("GET /events", s.handleEvents())
	mux.Handle("GET /report.html", s.handleReport())
	mux.Handle("GET /uplot-LICENSE", handleLicense())
	return s.onlyLocalHosts(mux)
}

// onlyLocalHosts refuses requests naming a host other than a loopback one
// unless remote access was allowed: a page elsewhere cannot reach the
// dashboard through a DNS name rebound to 127.0.0.1.
func (s *Server) onlyLocalHosts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.cfg.AllowRemote {
			host, _, err := net.SplitHostPort(r.Host)
			if err != nil {
				host = r.Host
			}
			if !isLoopback(host) {
				http.Error(w, "dashboard: host "+r.Host+" is not this machine's loopback", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// pageData is what the page template reads.
type pageData struct {
	Title  string
	State  template.JS
	Script template.JS
	Style  template.CSS
}

func (s *Server) handlePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state, err := json.Marshal(s.snapshot())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = pageTemplate.Execute(w, pageData{
			Title: s.cfg.Title, State: template.JS(state),
			Script: template.JS(charts.Script()), Style: template.CSS(charts.Style()),
		})
	})
}

// handleEvents streams the updates as Server-Sent Events. A write that
// takes longer than writeTimeout ends the stream (the browser reconnects
// and starts again from the page's state); a client that is slow but
// reading has events dropped by flush instead of delaying anyone.
func (s *Server) handleEvents() http.Handler {
	const writeTimeout = 5 * time.Second
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		c, snap := s.subscribe()
		defer s.unsubscribe(c)
		state, err := json.Marshal(snap)
		if err != nil {
			return
		}
		write := func(b []byte) bool {
			_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := w.Write(b); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		// The page may have loaded a while ago: it starts again from here.
		if !write([]byte("retry: 2000\n\nevent: snapshot\ndata: " + string(state) + "\n\n")) {
			return
		}
		for {
			select {
			case <-r.Context().Done():
				return
			case <-s.done:
				return
			case msg := <-c.ch:
				if !write(msg) {
					return
				}
			}
		}
	})
}

func (s *Server) handleReport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := s.reportPath()
		if p == "" {
			http.Error(w, "the report is written when the run ends", http.StatusNotFound)
			return
		}
		http.ServeFile(w, r, p)
	})
}

func handleLicense() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(charts.Version() + "\n\n" + charts.License()))
	})
}
