package main

// The deployment files (docker-compose.yml, Dockerfile, deploy/) are not run
// in CI: there is no Docker engine there. These tests hold them to the binary
// instead: every EXACCESS_* variable the compose file sets is one that
// `exaccess serve` reads (found by asking serveFlags, not from a list kept
// here), the values pass the server's own validation, the replicas reach
// the database, check their readiness and sit behind a load balancer that
// names them all. TestComposeCatchesMistakes proves each check by breaking
// the real files in plausible ways.

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"exaccess/api"

	"go.yaml.in/yaml/v3"
)

// composeRepo is the repository root, where docker-compose.yml lives.
const composeRepo = "../.."

// composeShutdownTimeout is how long runServe lets requests in flight finish
// after SIGTERM (serve.go); a container must be given longer before SIGKILL.
const composeShutdownTimeout = 15 * time.Second

func TestComposeMatchesBinary(t *testing.T) {
	vars := composeServeVariables(t)
	if problems := checkCompose(os.DirFS(composeRepo), vars); len(problems) > 0 {
		t.Errorf("docker-compose.yml and the files it uses disagree with the binary:\n  %s", strings.Join(problems, "\n  "))
	}
}

// TestComposeCatchesMistakes breaks the real files, one plausible mistake at
// a time, and requires checkCompose to name each.
func TestComposeCatchesMistakes(t *testing.T) {
	vars := composeServeVariables(t)
	base := os.DirFS(composeRepo)
	read := func(name string) string {
		b, err := fs.ReadFile(base, name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const (
		composeName = "docker-compose.yml"
		lbName      = "deploy/haproxy.cfg"
		dockerName  = "Dockerfile"
	)
	type edit struct {
		file, service, old, new string // service "" edits the whole file
	}
	cases := []struct {
		name  string
		edits []edit
		want  string // a problem must contain this
	}{
		{"misspelled variable", []edit{{composeName, "exaccess-1", "EXACCESS_TRUSTED_PROXIES:", "EXACCESS_TRUSTED_PROXY:"}},
			"exaccess-1: EXACCESS_TRUSTED_PROXY is not read by exaccess serve"},
		{"misspelled prefix", []edit{{composeName, "exaccess-2", "EXACCESS_DB:", "EXACESS_DB:"}},
			"exaccess-2: EXACESS_DB is not read by exaccess serve"},
		{"variable of another command", []edit{{composeName, "exaccess-1", "EXACCESS_ADDR:", "EXACCESS_OUT: x\n      EXACCESS_ADDR:"}},
			"EXACCESS_OUT is not read"},
		{"no database", []edit{{composeName, "exaccess-1", "      EXACCESS_DB:", "      X_DB:"}},
			"exaccess-1: EXACCESS_DB is not set"},
		{"database on SQLite", []edit{{composeName, "exaccess-1", "postgres://exaccess:${EXACCESS_PG_PASSWORD:-exaccess}@postgres:5432/exaccess?sslmode=disable", "/var/lib/exaccess/exaccess.db"}},
			"EXACCESS_DB must be a postgres:// DSN"},
		{"database host not the service", []edit{{composeName, "exaccess-2", "@postgres:5432", "@localhost:5432"}},
			`exaccess-2: EXACCESS_DB names host "localhost"`},
		{"database password differs", []edit{{composeName, "postgres", "POSTGRES_PASSWORD: ${EXACCESS_PG_PASSWORD:-exaccess}", "POSTGRES_PASSWORD: secret"}},
			"password"},
		{"database name differs", []edit{{composeName, "postgres", "POSTGRES_DB: exaccess", "POSTGRES_DB: permits"}},
			`database "exaccess"`},
		{"listening on loopback", []edit{{composeName, "exaccess-1", "EXACCESS_ADDR: 0.0.0.0:8080", "EXACCESS_ADDR: 127.0.0.1:8080"}},
			"unreachable from other containers"},
		{"value the server refuses", []edit{{composeName, "exaccess-1", "EXACCESS_ADDR:", "EXACCESS_RATE_USER: 20/sec\n      EXACCESS_ADDR:"}},
			"--rate-user"},
		{"token lifetime unparsable", []edit{{composeName, "exaccess-1", "EXACCESS_ADDR:", "EXACCESS_TOKEN_TTL: 2 hours\n      EXACCESS_ADDR:"}},
			"EXACCESS_TOKEN_TTL"},
		{"demo seeding on a replica", []edit{{composeName, "exaccess-2", "EXACCESS_ADDR:", "EXACCESS_DEMO: \"true\"\n      EXACCESS_ADDR:"}},
			"EXACCESS_DEMO"},
		{"replicas configured differently", []edit{{composeName, "exaccess-2", "EXACCESS_ADDR:", "EXACCESS_JWT_ISSUER: other\n      EXACCESS_ADDR:"}},
			"exaccess-1 and exaccess-2 differ"},
		{"a flag on the command line", []edit{{composeName, "exaccess-1", "    image: exaccess:local\n", "    image: exaccess:local\n    command: [\"serve\", \"--rate-user\", \"off\"]\n"}},
			"configuration by environment only"},
		{"proxy not trusted", []edit{{composeName, "exaccess-1", "EXACCESS_TRUSTED_PROXIES: 10.213.7.10", "EXACCESS_TRUSTED_PROXIES: 10.213.7.11"}},
			"does not cover the load balancer"},
		{"load balancer without fixed address", []edit{{composeName, "lb", "        ipv4_address: 10.213.7.10\n", ""}},
			"fixed ipv4_address"},
		{"load balancer outside the subnet", []edit{{composeName, "lb", "ipv4_address: 10.213.7.10", "ipv4_address: 10.213.8.10"},
			{composeName, "exaccess-1", "PROXIES: 10.213.7.10", "PROXIES: 10.213.8.10"},
			{composeName, "exaccess-2", "PROXIES: 10.213.7.10", "PROXIES: 10.213.8.10"}},
			"not in the subnet"},
		{"replica without health check", []edit{{composeName, "exaccess-2", "    healthcheck:", "    x-healthcheck:"}},
			"exaccess-2: no health check"},
		{"health check on liveness only", []edit{{composeName, "exaccess-1", "8080/readyz", "8080/healthz"}},
			"exaccess-1: the health check must GET /readyz"},
		{"health check on another port", []edit{{composeName, "exaccess-1", "127.0.0.1:8080/readyz", "127.0.0.1:9090/readyz"}},
			"port 8080"},
		{"health tool not in the image", []edit{{composeName, "exaccess-1", `"curl", "-fsS", "-o", "/dev/null", "--max-time", "3",`, `"wget", "-q", "-O", "/dev/null",`}},
			`"wget", which is not installed`},
		{"health tool removed from the image", []edit{{dockerName, "", "ca-certificates curl", "ca-certificates"}},
			`"curl", which is not installed`},
		{"not waiting for the database", []edit{{composeName, "exaccess-1", "condition: service_healthy", "condition: service_started"}},
			"exaccess-1: must depend on postgres with condition service_healthy"},
		{"no time to shut down", []edit{{composeName, "exaccess-2", "stop_grace_period: 20s", "stop_grace_period: 5s"}},
			"exaccess-2: stop_grace_period"},
		{"postgres without health check", []edit{{composeName, "postgres", "    healthcheck:", "    x-healthcheck:"}},
			"postgres: no pg_isready health check"},
		{"checkpoint key not set", []edit{{composeName, "exaccess-2", "      EXACCESS_CHECKPOINT_KEY: /var/lib/exaccess-keys/checkpoint.key\n", ""}},
			"exaccess-2: EXACCESS_CHECKPOINT_KEY is not set"},
		{"checkpoint key not on a shared volume", []edit{{composeName, "exaccess-1", "      - checkpoint-key:/var/lib/exaccess-keys\n", "      - /tmp:/var/lib/exaccess-keys\n"}},
			"exaccess-1: EXACCESS_CHECKPOINT_KEY /var/lib/exaccess-keys/checkpoint.key is not on a named volume"},
		{"postgres without volume", []edit{{composeName, "postgres", "      - pgdata:/var/lib/postgresql/data\n", "      - /tmp:/tmp\n"}},
			"postgres: its data directory"},
		{"volume not declared", []edit{{composeName, "", "volumes:\n  pgdata:\n", ""}},
			`named volume "pgdata" is not declared`},
		{"service without image or build", []edit{{composeName, "lb", "    image: haproxy:3.2\n", ""}},
			"lb: neither image nor build"},
		{"build context without Dockerfile", []edit{{composeName, "exaccess-1", "dockerfile: Dockerfile", "dockerfile: Containerfile"}},
			"Containerfile"},
		{"balancer not waiting for a replica", []edit{{composeName, "lb", "      exaccess-2:\n        condition: service_started\n", ""}},
			"lb: must depend on exaccess-2"},
		{"balancer config without a replica", []edit{{lbName, "", "    server exaccess-2 exaccess-2:8080 check\n", ""}},
			"deploy/haproxy.cfg does not route to exaccess-2:8080"},
		{"balancer config with a wrong port", []edit{{lbName, "", "server exaccess-1 exaccess-1:8080", "server exaccess-1 exaccess-1:8081"}},
			"exaccess-1:8081"},
		{"balancer config naming no service", []edit{{lbName, "", "server exaccess-2 exaccess-2:8080", "server exaccess-2 exaccess-2:8080 check\n    server exaccess-3 exaccess-3:8080"}},
			"exaccess-3:8080, which is no exaccess service"},
		{"balancer not checking readiness", []edit{{lbName, "", "uri /readyz", "uri /healthz"}},
			"never checks /readyz"},
		{"balancer exposing metrics", []edit{{lbName, "", "    http-request deny deny_status 404 if metrics_path\n", ""}},
			"/metrics"},
		{"balancer config not mounted", []edit{{composeName, "lb", "./deploy/haproxy.cfg:", "./haproxy.cfg:"}},
			"lb: mounts no configuration from deploy/"},
		{"image runs as root", []edit{{dockerName, "", "USER 10001:10001", "USER root"}},
			"non-root"},
		{"image built without cgo", []edit{{dockerName, "", "CGO_ENABLED=1", "CGO_ENABLED=0"}},
			"CGO_ENABLED=1"},
		{"image exposes another port", []edit{{dockerName, "", "EXPOSE 8080", "EXPOSE 80"}},
			"EXPOSE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := fstest.MapFS{}
			for _, e := range tc.edits {
				text := read(e.file)
				if f, ok := files[e.file]; ok {
					text = string(f.Data)
				}
				files[e.file] = &fstest.MapFile{Data: []byte(composeEdit(t, text, e.service, e.old, e.new))}
			}
			problems := checkCompose(composeOverlay{base, files}, vars)
			for _, p := range problems {
				if strings.Contains(p, tc.want) {
					t.Logf("caught: %s (%d problems)", p, len(problems))
					return
				}
			}
			t.Errorf("no problem mentions %q; got:\n  %s", tc.want, strings.Join(problems, "\n  "))
		})
	}
}

// TestComposeDocsListEveryVariable keeps the configuration reference of
// docs/operations.md complete: every serve flag and its variable.
func TestComposeDocsListEveryVariable(t *testing.T) {
	b, err := os.ReadFile(path.Join(composeRepo, "docs/operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for env, name := range composeServeVariables(t) {
		for _, want := range []string{"`--" + name + "`", "`" + env + "`"} {
			if !strings.Contains(doc, want) {
				t.Errorf("docs/operations.md does not mention %s", want)
			}
		}
	}
}

// composeServeVariables asks serveFlags which environment variables it reads,
// and maps each to the flag whose usage names it.
func composeServeVariables(t *testing.T) map[string]string {
	t.Helper()
	var asked []string
	cfg := defaultConfig()
	fset := serveFlags(&cfg, func(k string) string { asked = append(asked, k); return "" }, io.Discard)
	vars := map[string]string{}
	for _, k := range asked {
		fset.VisitAll(func(f *flag.Flag) {
			if strings.Contains(f.Usage, "("+k+")") {
				vars[k] = f.Name
			}
		})
		if vars[k] == "" {
			t.Errorf("serve reads %s, but no flag's usage names it", k)
		}
	}
	named := map[string]bool{}
	for _, name := range vars {
		named[name] = true
	}
	fset.VisitAll(func(f *flag.Flag) {
		if !named[f.Name] {
			t.Errorf("flag --%s has no environment variable", f.Name)
		}
	})
	if len(vars) < 5 || vars["EXACCESS_DB"] != "db" || vars["EXACCESS_ADDR"] != "addr" {
		t.Fatalf("implausible serve variables: %v", vars)
	}
	return vars
}

// checkCompose reads docker-compose.yml, and the Dockerfile and balancer
// configuration it uses, from fsys (the repository) and returns every
// inconsistency with the binary, whose serve variables are vars.
func checkCompose(fsys fs.FS, vars map[string]string) []string {
	raw, err := fs.ReadFile(fsys, "docker-compose.yml")
	if err != nil {
		return []string{err.Error()}
	}
	// Compose substitutes ${VAR:-default}; check what an operator who set
	// nothing gets.
	c := &composeChecker{fsys: fsys, vars: vars, dockerfiles: map[string]string{}, ports: map[string]string{}}
	if err := yaml.Unmarshal([]byte(composeInterpolate(string(raw))), &c.cf); err != nil {
		return []string{"docker-compose.yml: " + err.Error()}
	}
	c.classify()
	c.checkPostgres()
	c.findBalancerAddress()
	for _, name := range c.replicas {
		c.checkReplica(name)
	}
	c.checkReplicasAlike()
	if c.lbName != "" {
		c.checkBalancer()
	}
	return c.problems
}

// composeChecker holds what the checks learn about the compose file.
type composeChecker struct {
	fsys     fs.FS
	vars     map[string]string // serve's environment variables → flags
	cf       composeFile
	problems []string

	replicas    []string
	pgName      string
	pg          *composeService
	lbName      string
	lbIP        net.IP
	ports       map[string]string // replica → the port it listens on
	dockerfiles map[string]string // path → text, each checked once
	keyVolume   string            // the named volume of the replicas' checkpoint key
}

func (c *composeChecker) bad(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// classify sorts the services into replicas, PostgreSQL and the balancer,
// and checks what every service needs: an image or a build, and declared
// named volumes.
func (c *composeChecker) classify() {
	var names, pgs, lbs []string
	for name := range c.cf.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := c.cf.Services[name]
		switch {
		case s.Image == "" && s.Build == nil:
			c.bad("%s: neither image nor build", name)
		case s.Build != nil || strings.HasPrefix(s.Image, "exaccess") || s.Environment.hasPrefix("EXACCESS_"):
			c.replicas = append(c.replicas, name)
		case s.Image == "postgres" || strings.HasPrefix(s.Image, "postgres:"):
			pgs = append(pgs, name)
		case strings.HasPrefix(s.Image, "haproxy") || strings.HasPrefix(s.Image, "nginx"):
			lbs = append(lbs, name)
		}
		for _, m := range s.Volumes {
			if _, ok := c.cf.Volumes[m.Source]; m.named() && !ok {
				c.bad("%s: named volume %q is not declared under volumes:", name, m.Source)
			}
		}
	}
	if len(pgs) == 1 {
		c.pgName, c.pg = pgs[0], c.cf.Services[pgs[0]]
	} else {
		c.bad("want one PostgreSQL service, found %v", pgs)
	}
	if len(c.replicas) < 2 {
		c.bad("want at least two exaccess replicas, found %v", c.replicas)
	}
	if len(lbs) == 1 {
		c.lbName = lbs[0]
	} else {
		c.bad("want one load balancer (haproxy or nginx) in front of the replicas, found %v", lbs)
	}
}

// checkPostgres: healthy means accepting connections; the data is on a volume.
func (c *composeChecker) checkPostgres() {
	if c.pg == nil {
		return
	}
	if !c.pg.Healthcheck.enabled() || !strings.Contains(strings.Join(c.pg.Healthcheck.Test, " "), "pg_isready") {
		c.bad("%s: no pg_isready health check", c.pgName)
	}
	onVolume := false
	for _, m := range c.pg.Volumes {
		onVolume = onVolume || (m.named() && strings.HasPrefix(m.Target, "/var/lib/postgresql"))
	}
	if !onVolume {
		c.bad("%s: its data directory (/var/lib/postgresql/data) must be on a named volume", c.pgName)
	}
}

// findBalancerAddress finds the balancer's fixed address, which the
// replicas must trust, and checks it against its network's subnet.
func (c *composeChecker) findBalancerAddress() {
	if c.lbName == "" {
		return
	}
	for network, addr := range c.cf.Services[c.lbName].Networks {
		if addr == "" {
			continue
		}
		if c.lbIP = net.ParseIP(addr); c.lbIP == nil {
			c.bad("%s: ipv4_address %q is not an address", c.lbName, addr)
			continue
		}
		inSubnet := false
		for _, sn := range c.cf.Networks[network].subnets() {
			if _, cidr, err := net.ParseCIDR(sn.Subnet); err == nil && cidr.Contains(c.lbIP) {
				inSubnet = true
			}
			if _, dyn, err := net.ParseCIDR(sn.IPRange); err == nil && dyn.Contains(c.lbIP) {
				c.bad("%s: ipv4_address %s is inside ip_range %s, from which Docker hands out addresses to other containers",
					c.lbName, addr, sn.IPRange)
			}
		}
		if !inSubnet {
			c.bad("%s: ipv4_address %s is not in the subnet declared for network %q", c.lbName, addr, network)
		}
	}
	if c.lbIP == nil {
		c.bad("%s: needs a fixed ipv4_address, so that the replicas can trust its X-Forwarded-For", c.lbName)
	}
}

// checkReplica checks one exaccess service against the binary.
func (c *composeChecker) checkReplica(name string) {
	s := c.cf.Services[name]
	env := s.Environment
	for _, k := range env.keys() {
		if _, ok := c.vars[k]; !ok {
			c.bad("%s: %s is not read by exaccess serve (it reads %s)", name, k, strings.Join(composeSortedKeys(c.vars), ", "))
		}
	}
	if s.EnvFile != nil {
		c.bad("%s: env_file hides configuration from this check; set environment: in the compose file", name)
	}
	if len(s.Entrypoint) > 0 || (len(s.Command) > 0 && !slices.Equal(s.Command, []string{"serve"})) {
		c.bad("%s: command %q: configuration by environment only (the image runs serve)", name, s.Command)
	}
	c.checkValues(name, env)
	port := c.checkAddr(name, env)
	c.ports[name] = port
	if dsn, ok := env["EXACCESS_DB"]; !ok {
		c.bad("%s: EXACCESS_DB is not set (the default is a SQLite file private to the container)", name)
	} else if c.pg != nil {
		checkComposeDSN(name, dsn, c.pgName, c.pg.Environment, c.bad)
	}
	if c.lbIP != nil {
		trusted, _ := api.ParseTrustedProxies(env["EXACCESS_TRUSTED_PROXIES"])
		covered := false
		for _, n := range trusted {
			covered = covered || n.Contains(c.lbIP)
		}
		if !covered {
			c.bad("%s: EXACCESS_TRUSTED_PROXIES %q does not cover the load balancer %s: every client would count as the balancer in rate limits",
				name, env["EXACCESS_TRUSTED_PROXIES"], c.lbIP)
		}
	}
	if c.pgName != "" && s.DependsOn[c.pgName] != "service_healthy" {
		c.bad("%s: must depend on %s with condition service_healthy", name, c.pgName)
	}
	if d, err := time.ParseDuration(s.StopGracePeriod); err != nil || d <= composeShutdownTimeout {
		c.bad("%s: stop_grace_period %q must exceed the %s that serve takes to finish requests after SIGTERM (Docker's default is 10s)",
			name, s.StopGracePeriod, composeShutdownTimeout)
	}
	c.checkHealth(name, s, port, c.dockerfile(name, s, port))
	c.checkCheckpointKey(name, s)
}

// checkCheckpointKey requires replicas of one database to share one
// checkpoint key file on a named volume: each would otherwise create a key
// of its own in its private directory, and sign the log with two keys.
func (c *composeChecker) checkCheckpointKey(name string, s *composeService) {
	if c.pg == nil {
		return
	}
	key := s.Environment["EXACCESS_CHECKPOINT_KEY"]
	if key == "" {
		c.bad("%s: EXACCESS_CHECKPOINT_KEY is not set: each replica would create its own checkpoint key in its private directory", name)
		return
	}
	for _, m := range s.Volumes {
		if m.named() && strings.HasPrefix(path.Clean(key), path.Clean(m.Target)+"/") {
			if c.keyVolume != "" && c.keyVolume != m.Source {
				c.bad("%s: the checkpoint key is on volume %q, another replica's on %q; replicas must share one key", name, m.Source, c.keyVolume)
			}
			c.keyVolume = m.Source
			return
		}
	}
	c.bad("%s: EXACCESS_CHECKPOINT_KEY %s is not on a named volume shared by the replicas", name, key)
}

// checkValues reads the environment the way serve does and requires that
// the server accepts it, and that no value is silently dropped.
func (c *composeChecker) checkValues(name string, env composeEnv) {
	cfg := defaultConfig()
	fset := serveFlags(&cfg, func(k string) string { return env[k] }, io.Discard)
	if err := fset.Parse(nil); err != nil {
		c.bad("%s: %v", name, err)
	} else if err := cfg.validate(); err != nil {
		c.bad("%s: %v", name, err)
	}
	if v, ok := env["EXACCESS_TOKEN_TTL"]; ok {
		if _, err := time.ParseDuration(v); err != nil {
			c.bad("%s: EXACCESS_TOKEN_TTL %q is not a Go duration (serve would silently use the default)", name, v)
		}
	}
	if v, ok := env["EXACCESS_DEMO"]; ok {
		if demo, err := strconv.ParseBool(v); err != nil || demo {
			c.bad("%s: EXACCESS_DEMO=%q: demo seeding is not for a shared database (replicas starting together race to seed it)", name, v)
		}
	}
}

// checkAddr requires a listen address reachable from the balancer and
// returns its port.
func (c *composeChecker) checkAddr(name string, env composeEnv) string {
	addr, ok := env["EXACCESS_ADDR"]
	if !ok {
		c.bad("%s: EXACCESS_ADDR is not set (the default 127.0.0.1:8080 is unreachable from other containers)", name)
		return ""
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		c.bad("%s: EXACCESS_ADDR %q: %v", name, addr, err)
		return ""
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		c.bad("%s: EXACCESS_ADDR %q listens on %s only, unreachable from other containers; use 0.0.0.0", name, addr, host)
	}
	return port
}

// dockerfile returns the text of the service's Dockerfile, checking it the
// first time it is read; "" when there is none.
func (c *composeChecker) dockerfile(name string, s *composeService, port string) string {
	if s.Build == nil {
		return ""
	}
	df := s.Build.dockerfilePath()
	if text, ok := c.dockerfiles[df]; ok {
		return text
	}
	b, err := fs.ReadFile(c.fsys, df)
	if err != nil {
		c.bad("%s: build: %v", name, err)
	} else {
		for _, p := range checkComposeDockerfile(df, string(b), port) {
			c.bad("%s", p)
		}
	}
	c.dockerfiles[df] = string(b)
	return string(b)
}

// checkHealth requires a readiness check on the port the server listens
// on, run by a tool the image has.
func (c *composeChecker) checkHealth(name string, s *composeService, port, dockerfile string) {
	hc := s.Healthcheck
	if !hc.enabled() {
		c.bad("%s: no health check", name)
		return
	}
	cmd := strings.Join(hc.Test, " ")
	if !strings.Contains(cmd, "/readyz") {
		c.bad("%s: the health check must GET /readyz (database reachable, schema current), not %q", name, cmd)
	}
	if port != "" && !strings.Contains(cmd, ":"+port+"/") {
		c.bad("%s: the health check must call port %s, where EXACCESS_ADDR listens: %q", name, port, cmd)
	}
	if tool := hc.tool(); dockerfile != "" && !composeImageHas(dockerfile, tool) {
		c.bad("%s: the health check runs %q, which is not installed in the final stage of %s", name, tool, s.Build.dockerfilePath())
	}
}

// checkReplicasAlike: replicas are one deployment, with one image and one
// configuration (a token issued by one is checked by the other).
func (c *composeChecker) checkReplicasAlike() {
	for _, name := range c.replicas[min(1, len(c.replicas)):] {
		a, b := c.cf.Services[c.replicas[0]], c.cf.Services[name]
		if fmt.Sprint(a.Environment) != fmt.Sprint(b.Environment) || a.Image != b.Image || fmt.Sprint(a.Build) != fmt.Sprint(b.Build) {
			c.bad("%s and %s differ in image, build or environment; replicas must be alike (tokens of one are checked by the other)",
				c.replicas[0], name)
		}
	}
}

// checkComposeDSN checks a replica's EXACCESS_DB against the PostgreSQL
// service: its host, and the user, password and database the image creates.
func checkComposeDSN(name, dsn, pgName string, pgEnv composeEnv, bad func(string, ...any)) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		bad("%s: EXACCESS_DB must be a postgres:// DSN for replicas to share one database, not %q", name, maskedDB(dsn))
		return
	}
	u, err := url.Parse(dsn)
	if err != nil {
		bad("%s: EXACCESS_DB: %v", name, err)
		return
	}
	if u.Hostname() != pgName {
		bad("%s: EXACCESS_DB names host %q; the database is the compose service %q", name, u.Hostname(), pgName)
	}
	if p := u.Port(); p != "" && p != "5432" {
		bad("%s: EXACCESS_DB port %s; PostgreSQL listens on 5432 inside the network", name, p)
	}
	wantUser := composeOr(pgEnv["POSTGRES_USER"], "postgres")
	wantDB := composeOr(pgEnv["POSTGRES_DB"], wantUser)
	pw, _ := u.User.Password()
	if u.User.Username() != wantUser {
		bad("%s: EXACCESS_DB user %q; %s creates user %q", name, u.User.Username(), pgName, wantUser)
	}
	if pw != pgEnv["POSTGRES_PASSWORD"] {
		bad("%s: EXACCESS_DB password differs from %s's POSTGRES_PASSWORD", name, pgName)
	}
	if db := composeOr(strings.TrimPrefix(u.Path, "/"), u.User.Username()); db != wantDB {
		bad("%s: EXACCESS_DB database %q; %s creates database %q", name, db, pgName, wantDB)
	}
}

// checkComposeDockerfile checks what the compose file relies on in the image:
// cgo for SQLite, the serve entry point, the port, a user that is not root.
func checkComposeDockerfile(name, text, port string) []string {
	var problems []string
	final := composeFinalStage(text)
	all := strings.Join(composeInstructions(text), "\n")
	if !strings.Contains(all, "CGO_ENABLED=1") {
		problems = append(problems, name+": the build needs CGO_ENABLED=1 (the SQLite driver is cgo)")
	}
	if !strings.Contains(all, "./cmd/exaccess") {
		problems = append(problems, name+": does not build ./cmd/exaccess")
	}
	user, entry := "", ""
	exposed := false
	for _, line := range composeInstructions(final) {
		inst, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(inst) {
		case "USER":
			user = strings.TrimSpace(arg)
		case "ENTRYPOINT", "CMD":
			entry += " " + arg
		case "EXPOSE":
			for _, f := range strings.Fields(arg) {
				exposed = exposed || strings.TrimSuffix(f, "/tcp") == port
			}
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		problems = append(problems, fmt.Sprintf("%s: the final stage must run as a non-root USER, not %q", name, user))
	}
	if !strings.Contains(entry, "exaccess") || !strings.Contains(entry, "serve") {
		problems = append(problems, name+": ENTRYPOINT/CMD must run exaccess serve")
	}
	if port != "" && !exposed {
		problems = append(problems, fmt.Sprintf("%s: the final stage must EXPOSE %s, the port of EXACCESS_ADDR", name, port))
	}
	return problems
}

// checkBalancer checks that the balancer waits for every replica,
// publishes a port, and that its configuration (under deploy/) routes to
// every replica and nothing else, checks readiness and hides /metrics.
func (c *composeChecker) checkBalancer() {
	name, s, replicas, ports, bad := c.lbName, c.cf.Services[c.lbName], c.replicas, c.ports, c.bad
	for _, r := range replicas {
		if _, ok := s.DependsOn[r]; !ok {
			bad("%s: must depend on %s", name, r)
		}
	}
	if len(s.Ports) == 0 {
		bad("%s: publishes no port", name)
	}
	conf := ""
	for _, m := range s.Volumes {
		if src := path.Clean(m.Source); !m.named() && strings.HasPrefix(src, "deploy/") {
			conf = src
		}
	}
	if conf == "" {
		bad("%s: mounts no configuration from deploy/", name)
		return
	}
	b, err := fs.ReadFile(c.fsys, conf)
	if err != nil {
		bad("%s: %v", name, err)
		return
	}
	var lines []string
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	routed := map[string]bool{}
	for _, line := range lines {
		f := strings.Fields(line)
		if f[0] != "server" {
			continue
		}
		for _, tok := range f[1:] {
			host, port, err := net.SplitHostPort(strings.TrimSuffix(tok, ";"))
			if err != nil {
				continue
			}
			if !slices.Contains(replicas, host) || ports[host] != port {
				bad("%s: %s routes to %s, which is no exaccess service listening there", name, conf, tok)
			}
			routed[host+":"+port] = true
			break
		}
	}
	for _, r := range replicas {
		if !routed[r+":"+ports[r]] {
			bad("%s: %s does not route to %s:%s", name, conf, r, ports[r])
		}
	}
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "/readyz") {
		bad("%s: %s never checks /readyz, so a replica that lost its database keeps getting requests", name, conf)
	}
	hidden := false
	for _, line := range lines {
		hidden = hidden || (strings.Contains(line, "deny") && strings.Contains(line, "metrics")) ||
			(strings.Contains(line, "location") && strings.Contains(line, "/metrics"))
	}
	if !hidden {
		bad("%s: %s does not refuse /metrics to clients", name, conf)
	}
}

// composeFinalStage is the Dockerfile text after its last FROM.
func composeFinalStage(text string) string {
	insts := composeInstructions(text)
	for i := len(insts) - 1; i >= 0; i-- {
		if strings.HasPrefix(strings.ToUpper(insts[i]), "FROM ") {
			return strings.Join(insts[i:], "\n")
		}
	}
	return ""
}

// composeInstructions splits a Dockerfile into instructions, continuation
// lines joined and comments dropped.
func composeInstructions(text string) []string {
	var out []string
	cur := ""
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") {
			continue
		}
		if strings.HasSuffix(t, "\\") {
			cur += strings.TrimSuffix(t, "\\") + " "
			continue
		}
		if cur += t; strings.TrimSpace(cur) != "" {
			out = append(out, strings.Join(strings.Fields(cur), " "))
		}
		cur = ""
	}
	return out
}

// composeImageHas reports whether the final stage installs tool.
func composeImageHas(dockerfile, tool string) bool {
	for _, inst := range composeInstructions(composeFinalStage(dockerfile)) {
		if !strings.HasPrefix(strings.ToUpper(inst), "RUN ") {
			continue
		}
		for _, cmd := range regexp.MustCompile(`&&|;`).Split(inst, -1) {
			if f := strings.Fields(cmd); (strings.Contains(cmd, "apt-get install") || strings.Contains(cmd, "apk add")) &&
				slices.Contains(f, path.Base(tool)) {
				return true
			}
		}
	}
	return false
}

// composeInterpolate substitutes ${VAR:-default}, ${VAR-default} and ${VAR}
// as Compose does, for an environment where nothing is set; $$ is a dollar.
func composeInterpolate(s string) string {
	re := regexp.MustCompile(`\$\$|\$\{[A-Za-z_][A-Za-z0-9_]*(?::?([-?])([^}]*))?\}|\$[A-Za-z_][A-Za-z0-9_]*`)
	return re.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if sub := re.FindStringSubmatch(m); sub[1] == "-" {
			return sub[2]
		}
		return ""
	})
}

func composeOr(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}

func composeSortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// composeEdit replaces the first old with new in text, within the block of
// service when one is named, and fails the test if old is not there: the
// table of mistakes must keep breaking the real file.
func composeEdit(t *testing.T, text, service, old, new string) string {
	t.Helper()
	start, end := 0, len(text)
	if service != "" {
		head := "\n  " + service + ":\n"
		start = strings.Index(text, head)
		if start < 0 {
			t.Fatalf("no service %s in the file", service)
		}
		start += len(head)
		if loc := regexp.MustCompile(`(?m)^(?:  )?[^ \n#]`).FindStringIndex(text[start:]); loc != nil {
			end = start + loc[0]
		}
	}
	i := strings.Index(text[start:end], old)
	if i < 0 {
		t.Fatalf("%q is not in %s", old, composeOr(service, "the file"))
	}
	i += start
	return text[:i] + new + text[i+len(old):]
}

// composeOverlay is fsys with some files replaced.
type composeOverlay struct {
	base  fs.FS
	files fstest.MapFS
}

func (o composeOverlay) Open(name string) (fs.File, error) {
	if _, ok := o.files[name]; ok {
		return o.files.Open(name)
	}
	return o.base.Open(name)
}

// The part of the Compose file format that the checks read. Compose allows
// a short and a long form for several keys; both are read.

type composeFile struct {
	Services map[string]*composeService `yaml:"services"`
	Volumes  map[string]any             `yaml:"volumes"`
	Networks map[string]*composeNetwork `yaml:"networks"`
}

type composeService struct {
	Image           string             `yaml:"image"`
	Build           *composeBuild      `yaml:"build"`
	Command         composeStrings     `yaml:"command"`
	Entrypoint      composeStrings     `yaml:"entrypoint"`
	EnvFile         any                `yaml:"env_file"`
	Environment     composeEnv         `yaml:"environment"`
	DependsOn       composeDependsOn   `yaml:"depends_on"`
	Healthcheck     *composeHealth     `yaml:"healthcheck"`
	Volumes         []composeMount     `yaml:"volumes"`
	Ports           []any              `yaml:"ports"`
	Networks        composeAttachments `yaml:"networks"`
	StopGracePeriod string             `yaml:"stop_grace_period"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func (b *composeBuild) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain composeBuild
	return n.Decode((*plain)(b))
}

func (b *composeBuild) dockerfilePath() string {
	return path.Join(composeOr(b.Context, "."), composeOr(b.Dockerfile, "Dockerfile"))
}

// composeStrings is a command: a list, or a string split at spaces.
type composeStrings []string

func (c *composeStrings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*c = strings.Fields(n.Value)
		return nil
	}
	return n.Decode((*[]string)(c))
}

// composeEnv is environment: a map, or a list of KEY=VALUE.
type composeEnv map[string]string

func (e *composeEnv) UnmarshalYAML(n *yaml.Node) error {
	*e = composeEnv{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, kv := range list {
			k, v, _ := strings.Cut(kv, "=")
			(*e)[k] = v
		}
		return nil
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return err
	}
	for k, v := range m {
		if v != nil {
			(*e)[k] = fmt.Sprint(v)
		} else {
			(*e)[k] = ""
		}
	}
	return nil
}

func (e composeEnv) keys() []string {
	var out []string
	for k := range e {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (e composeEnv) hasPrefix(p string) bool {
	for k := range e {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// composeDependsOn maps each dependency to its condition.
type composeDependsOn map[string]string

func (d *composeDependsOn) UnmarshalYAML(n *yaml.Node) error {
	*d = composeDependsOn{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, s := range list {
			(*d)[s] = "service_started"
		}
		return nil
	}
	var m map[string]struct {
		Condition string `yaml:"condition"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	for k, v := range m {
		(*d)[k] = composeOr(v.Condition, "service_started")
	}
	return nil
}

type composeHealth struct {
	Test    composeHealthTest `yaml:"test"`
	Disable bool              `yaml:"disable"`
}

func (h *composeHealth) enabled() bool {
	return h != nil && !h.Disable && len(h.Test) > 1 && h.Test[0] != "NONE" && strings.TrimSpace(h.Test[1]) != ""
}

// tool is the program the health check runs.
func (h *composeHealth) tool() string {
	if h.Test[0] == "CMD-SHELL" {
		return strings.Fields(h.Test[1])[0]
	}
	return h.Test[1]
}

// composeHealthTest is a health check's test: a list, or a shell command.
type composeHealthTest []string

func (c *composeHealthTest) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*c = []string{"CMD-SHELL", n.Value}
		return nil
	}
	return n.Decode((*[]string)(c))
}

// composeMount is a service volume, short (src:dst[:mode]) or long form.
type composeMount struct {
	Source string `yaml:"source"`
	Target string `yaml:"target"`
}

func (m *composeMount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		parts := strings.Split(n.Value, ":")
		if len(parts) == 1 {
			m.Target = parts[0]
			return nil
		}
		m.Source, m.Target = parts[0], parts[1]
		return nil
	}
	type plain composeMount
	return n.Decode((*plain)(m))
}

// named reports whether the source is a named volume, not a host path.
func (m composeMount) named() bool {
	return m.Source != "" && !strings.HasPrefix(m.Source, ".") && !strings.HasPrefix(m.Source, "/") && !strings.HasPrefix(m.Source, "~")
}

// composeAttachments maps each network of a service to its fixed IPv4
// address ("" when none).
type composeAttachments map[string]string

func (a *composeAttachments) UnmarshalYAML(n *yaml.Node) error {
	*a = composeAttachments{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, s := range list {
			(*a)[s] = ""
		}
		return nil
	}
	var m map[string]*struct {
		IPv4 string `yaml:"ipv4_address"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	for k, v := range m {
		(*a)[k] = ""
		if v != nil {
			(*a)[k] = v.IPv4
		}
	}
	return nil
}

type composeNetwork struct {
	IPAM struct {
		Config []composeSubnet `yaml:"config"`
	} `yaml:"ipam"`
}

type composeSubnet struct {
	Subnet  string `yaml:"subnet"`
	IPRange string `yaml:"ip_range"`
}

func (n *composeNetwork) subnets() []composeSubnet {
	if n == nil {
		return nil
	}
	return n.IPAM.Config
}
