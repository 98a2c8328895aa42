package ops

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The operational endpoints.
const (
	PathHealth  = "/healthz"
	PathReady   = "/readyz"
	PathMetrics = "/metrics"
)

// readyTimeout bounds each readiness check.
const readyTimeout = 2 * time.Second

// maxRoutes bounds the route label's values: past it, "other".
const maxRoutes = 64

// Service holds one service's metrics and readiness checks. It is safe
// for concurrent use.
type Service struct {
	name     string
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	mu     sync.Mutex
	checks map[string]func(context.Context) error
	routes map[string]bool
}

// New makes the Service of a service with the name (a constant label,
// "service", on its own metrics).
func New(service string) *Service {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Service{name: service, reg: reg, checks: map[string]func(context.Context) error{}, routes: map[string]bool{}}
	labels := prometheus.Labels{"service": service}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seoulid_http_requests_total",
		Help: "HTTP requests served, by method, route and status code.", ConstLabels: labels}, []string{"method", "route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "seoulid_http_request_duration_seconds",
		Help: "Time to serve an HTTP request, by method and route.", ConstLabels: labels,
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"method", "route"})
	reg.MustRegister(s.requests, s.latency)
	return s
}

// Counter registers a counter of the service, by the labels.
func (s *Service) Counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: prometheus.Labels{"service": s.name}}, labels)
	s.reg.MustRegister(c)
	return c
}

// GaugeFunc registers a gauge whose value f gives at each scrape.
func (s *Service) GaugeFunc(name, help string, f func() float64) {
	s.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: prometheus.Labels{"service": s.name}}, f))
}

// AddReadiness adds a check that /readyz runs; an error makes the service
// not ready, and its message is shown.
func (s *Service) AddReadiness(name string, check func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = check
}

// Ready runs every readiness check and joins the failures, each named.
func (s *Service) Ready(ctx context.Context) error {
	s.mu.Lock()
	names := make([]string, 0, len(s.checks))
	for n := range s.checks {
		names = append(names, n)
	}
	checks := make([]func(context.Context) error, len(names))
	sort.Strings(names)
	for i, n := range names {
		checks[i] = s.checks[n]
	}
	s.mu.Unlock()
	var errs []error
	for i, check := range checks {
		cctx, cancel := context.WithTimeout(ctx, readyTimeout)
		err := check(cctx)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", names[i], err))
		}
	}
	return errors.Join(errs...)
}

// Handler answers the operational endpoints and passes every other
// request to next, counting it.
func (s *Service) Handler(next http.Handler) http.Handler {
	metrics := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case PathHealth, PathReady, PathMetrics:
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			switch r.URL.Path {
			case PathHealth:
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				fmt.Fprintln(w, "ok")
			case PathReady:
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				if err := s.Ready(r.Context()); err != nil {
					w.WriteHeader(http.StatusServiceUnavailable)
					fmt.Fprintln(w, "not ready")
					fmt.Fprintln(w, err)
					return
				}
				fmt.Fprintln(w, "ready")
			default:
				metrics.ServeHTTP(w, r)
			}
			return
		}
		start := time.Now()
		rec := &recorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := s.route(r)
		s.requests.WithLabelValues(r.Method, route, strconv.Itoa(rec.code)).Inc()
		s.latency.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
	})
}

// route is the request's route label: the ServeMux pattern that served
// it, else its first path segment; never more than maxRoutes values.
func (s *Service) route(r *http.Request) string {
	route := r.Pattern
	if route == "" {
		seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		route = "/" + seg
		if len(route) > 40 {
			route = "other"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.routes[route] {
		if len(s.routes) >= maxRoutes {
			return "other"
		}
		s.routes[route] = true
	}
	return route
}

// recorder remembers the status code a handler wrote.
type recorder struct {
	http.ResponseWriter
	code    int
	written bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.written {
		r.code, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.written = true
	return r.ResponseWriter.Write(b)
}

// Flush passes a flush on (long polls and streams flush).
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// LoadTLS reads a certificate and its key (PEM) for a service that serves
// HTTPS itself: both files or neither (nil, nil).
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	switch {
	case certFile == "" && keyFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s, --tls-key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
