// rs/cors (Debian golang-github-rs-cors-dev 1.7.0).
//
//	rs-cors star-credentials PORT  AllowedOrigins ["*"] with AllowCredentials: answers "*" with credentials
//	rs-cors reflect-credentials PORT  the fix: AllowOriginFunc accepting any origin (reflected)
//	rs-cors method-case PORT       AllowedMethods ["patch"]: a preflight for "patch" gets "PATCH" (rs/cors#158)
//	rs-cors method-case-fixed PORT the same with the method answered as sent
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/cors"
)

func main() {
	mode := os.Args[1]
	var h http.Handler
	switch mode {
	case "star-credentials":
		h = cors.New(cors.Options{AllowedOrigins: []string{"*"}, AllowCredentials: true}).Handler(http.HandlerFunc(api))
	case "reflect-credentials":
		h = cors.New(cors.Options{AllowOriginFunc: func(string) bool { return true }, AllowCredentials: true}).Handler(http.HandlerFunc(api))
	case "method-case", "method-case-fixed":
		h = cors.New(cors.Options{
			AllowedOrigins: []string{"https://app.example"},
			AllowedMethods: []string{"GET", "HEAD", "POST", "patch"},
			AllowedHeaders: []string{"X-Token"},
		}).Handler(http.HandlerFunc(api))
		if mode == "method-case-fixed" {
			h = fixMethodCase(h)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
	serve(h)
}

// serve listens on 127.0.0.1 only and exits by itself: after CORS_SPEC_TARGET_LIMIT seconds
// (default 300), when the parent process dies, or when stdin is a pipe that closes.
func serve(h http.Handler) {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: SERVER MODE PORT (or env PORT)")
		os.Exit(2)
	}
	port := os.Args[len(os.Args)-1]
	if _, err := strconv.Atoi(port); err != nil {
		port = os.Getenv("PORT")
	}
	limit := 300
	if s := os.Getenv("CORS_SPEC_TARGET_LIMIT"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			limit = n
		}
	}
	time.AfterFunc(time.Duration(limit)*time.Second, func() { fmt.Fprintln(os.Stderr, "time limit"); os.Exit(0) })
	parent := os.Getppid()
	go func() {
		for range time.Tick(250 * time.Millisecond) {
			if os.Getppid() != parent {
				os.Exit(0)
			}
		}
	}()
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
		go func() { io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() { <-sig; os.Exit(0) }()
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on http://127.0.0.1:%s\n", port)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintln(os.Stderr, srv.Serve(ln))
	os.Exit(1)
}

func api(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, "{\"items\": []}\n")
}

// withVary adds Vary: Origin to every response (the workaround for a missing one).
func withVary(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		h.ServeHTTP(w, r)
	})
}

// methodAsSent answers a preflight with the method exactly as the browser sent it when the
// library allowed it case-insensitively: browsers compare methods byte for byte.
type methodAsSent struct {
	http.ResponseWriter
	r *http.Request
}

func (m methodAsSent) WriteHeader(code int) {
	if got := m.Header().Get("Access-Control-Allow-Methods"); got != "" {
		if want := m.r.Header.Get("Access-Control-Request-Method"); strings.EqualFold(got, want) {
			m.Header().Set("Access-Control-Allow-Methods", want)
		}
	}
	m.ResponseWriter.WriteHeader(code)
}

func fixMethodCase(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(methodAsSent{w, r}, r)
	})
}
