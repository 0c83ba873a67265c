package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMetricsListener: serve answers /metrics on --metrics-addr only,
// the audit gap check's gauge and the refusal to sign's among them; the public port answers it as a
// path that does not exist.
func TestMetricsListener(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := probe.Addr().String()
	probe.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", metricsAddr,
			"--db", filepath.Join(t.TempDir(), "m.db")}, env(nil), nil, outW, io.Discard)
		outW.Close()
	}()
	base := ""
	sc := bufio.NewScanner(outR)
	for base == "" && sc.Scan() {
		if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
			base = strings.Fields(url)[0]
		}
	}
	go io.Copy(io.Discard, outR)
	if base == "" {
		t.Fatalf("no listening line: %v", <-done)
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(base + "/metrics"); code != 404 || strings.Contains(body, "go_goroutines") {
		t.Errorf("public port /metrics: %d", code)
	}
	if code, body := get("http://" + metricsAddr + "/metrics"); code != 200 || !strings.Contains(body, "exaccess_audit_log_entries") ||
		!strings.Contains(body, "\nexaccess_audit_gaps_found 0\n") ||
		!strings.Contains(body, "\nexaccess_audit_signing_refused{reason=\"history_changed\"} 0\n") ||
		!strings.Contains(body, "\nexaccess_audit_signing_refused{reason=\"key_superseded\"} 0\n") {
		t.Errorf("metrics port /metrics: %d %.200s", code, body)
	}
	if code, _ := get("http://" + metricsAddr + "/api/v1/openapi.yaml"); code != 404 {
		t.Errorf("metrics port serves the API: %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	// The listener is closed with the server.
	if c, err := net.DialTimeout("tcp", metricsAddr, time.Second); err == nil {
		c.Close()
		t.Error("the metrics listener outlives the server")
	}
}

// TestMetricsAddrConfig: loopback by default, from the environment or the
// flag, off on request; never the public address, never garbage.
func TestMetricsAddrConfig(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
		bad  string
	}{
		{nil, nil, "127.0.0.1:9090", ""},
		{nil, map[string]string{"EXACCESS_METRICS_ADDR": "0.0.0.0:9100"}, "0.0.0.0:9100", ""},
		{[]string{"--metrics-addr", "off"}, map[string]string{"EXACCESS_METRICS_ADDR": "0.0.0.0:9100"}, "off", ""},
		{[]string{"--metrics-addr", "9090"}, nil, "", "--metrics-addr"},
		{[]string{"--addr", "127.0.0.1:9000", "--metrics-addr", "127.0.0.1:9000"}, nil, "", "must differ from --addr"},
	} {
		cfg := defaultConfig()
		if err := serveFlags(&cfg, env(c.env), io.Discard).Parse(c.args); err != nil {
			t.Fatal(err)
		}
		err := cfg.validate()
		switch {
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("%v %v: err = %v, want %q", c.args, c.env, err, c.bad)
		case c.bad == "" && (err != nil || cfg.MetricsAddr != c.want):
			t.Errorf("%v %v: %q, %v; want %q", c.args, c.env, cfg.MetricsAddr, err, c.want)
		}
	}
}
