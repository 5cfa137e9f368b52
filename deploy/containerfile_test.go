package deploy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// instruction is one line of a Containerfile: the keyword (upper case) and the rest.
type instruction struct {
	line    int
	keyword string
	args    string
}

// parseContainerfile returns the instructions of each stage (a stage starts at FROM),
// with continuation lines joined and comments dropped.
func parseContainerfile(t *testing.T, path string) [][]instruction {
	t.Helper()
	var stages [][]instruction
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(string(mustRead(t, path)), "\n") {
		line := strings.TrimSpace(raw)
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasPrefix(line, "#") { // a comment inside a continued instruction
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if body, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		keyword, args, _ := strings.Cut(cur.String(), " ")
		in := instruction{line: start, keyword: strings.ToUpper(keyword), args: strings.TrimSpace(args)}
		cur.Reset()
		if in.keyword == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			if in.keyword != "ARG" {
				t.Fatalf("%s:%d: %s before FROM", path, in.line, in.keyword)
			}
			continue
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	if cur.Len() > 0 {
		t.Fatalf("%s: ends inside a continued line", path)
	}
	if len(stages) == 0 {
		t.Fatalf("%s: no FROM", path)
	}
	return stages
}

// image is what the final stage of a Containerfile sets.
type image struct {
	from       string
	user       string
	expose     []string
	env        map[string]string
	entrypoint []string
	cmd        []string
	stopSignal string
	copies     int
}

// finalImage returns the settings of the last stage of the Containerfile at path.
func finalImage(t *testing.T, path string) image {
	t.Helper()
	stages := parseContainerfile(t, path)
	img := image{env: map[string]string{}}
	for _, in := range stages[len(stages)-1] {
		switch in.keyword {
		case "FROM":
			img.from = strings.Fields(in.args)[0]
		case "USER":
			img.user = in.args
		case "EXPOSE":
			img.expose = append(img.expose, strings.Fields(in.args)...)
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Errorf("%s:%d: ENV %q: want NAME=VALUE", path, in.line, kv)
				}
				img.env[k] = v
			}
		case "ENTRYPOINT", "CMD":
			var list []string
			if err := json.Unmarshal([]byte(in.args), &list); err != nil {
				t.Errorf("%s:%d: %s %s: want the exec (JSON) form, so that signals reach anycastdns: %v",
					path, in.line, in.keyword, in.args, err)
			}
			if in.keyword == "CMD" {
				img.cmd = list
			} else {
				img.entrypoint = list
			}
		case "STOPSIGNAL":
			img.stopSignal = in.args
		case "COPY", "ADD":
			img.copies++
		case "ARG", "LABEL", "WORKDIR":
		default:
			t.Errorf("%s:%d: %s in the final stage: the image holds the binary only", path, in.line, in.keyword)
		}
	}
	return img
}

// The image's contract, which the manifests rely on.
var (
	imageUser   = "65532:65532"
	imageExpose = []string{"53/udp", "53/tcp", "9153/tcp"}
	imageConfig = "/etc/anycastdns/anycastdns.yaml"
)

func TestContainerfiles(t *testing.T) {
	known := knownEnv(t)
	var images []image
	for _, path := range []string{"Containerfile", "Dockerfile.build"} {
		img := finalImage(t, path)
		images = append(images, img)
		if img.from != "scratch" {
			t.Errorf("%s: final stage FROM %s, want scratch", path, img.from)
		}
		if img.copies != 1 {
			t.Errorf("%s: final stage copies %d things, want 1 (the binary)", path, img.copies)
		}
		if img.user != imageUser {
			t.Errorf("%s: USER %q, want %q (numeric: scratch has no /etc/passwd; non-root)", path, img.user, imageUser)
		}
		if !sameSet(img.expose, imageExpose) {
			t.Errorf("%s: EXPOSE %v, want %v", path, img.expose, imageExpose)
		}
		if want := []string{"/anycastdns", "serve"}; !slices.Equal(img.entrypoint, want) {
			t.Errorf("%s: ENTRYPOINT %q, want %q", path, img.entrypoint, want)
		}
		if img.cmd != nil {
			checkFlags(t, path+" CMD", append([]string{"serve"}, img.cmd...))
		}
		if img.stopSignal != "SIGTERM" {
			t.Errorf("%s: STOPSIGNAL %q, want SIGTERM (it drains)", path, img.stopSignal)
		}
		for k := range img.env {
			if !known[k] {
				t.Errorf("%s: ENV %s: anycastdns does not read it", path, k)
			}
		}
		if got := img.env["ANYCASTDNS_CONFIG"]; got != imageConfig {
			t.Errorf("%s: ANYCASTDNS_CONFIG=%q, want %q (where the manifests mount the configuration)", path, got, imageConfig)
		}
		if got := img.env["ANYCASTDNS_LOG_FORMAT"]; got != "json" {
			t.Errorf("%s: ANYCASTDNS_LOG_FORMAT=%q, want json", path, got)
		}
	}
	// Both ways of building make the same image.
	a, b := images[0], images[1]
	if a.user != b.user || !slices.Equal(a.expose, b.expose) || !slices.Equal(a.entrypoint, b.entrypoint) ||
		a.stopSignal != b.stopSignal || len(a.env) != len(b.env) {
		t.Errorf("Containerfile and Dockerfile.build differ:\n%+v\n%+v", a, b)
	}
	for k, v := range a.env {
		if b.env[k] != v {
			t.Errorf("ENV %s: Containerfile %q, Dockerfile.build %q", k, v, b.env[k])
		}
	}
	// The build stage of Dockerfile.build builds the binary the way make build does.
	stages := parseContainerfile(t, "Dockerfile.build")
	var run string
	for _, in := range stages[0] {
		if in.keyword == "RUN" && strings.Contains(in.args, "go build") {
			run = in.args
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/anycastdns"} {
		if !strings.Contains(run, want) {
			t.Errorf("Dockerfile.build: go build %q lacks %s", run, want)
		}
	}
}

// TestContainerfileBuildContext checks that the Containerfile copies the binary by the
// name `make build` gives it in bin/, the build context of `make image`.
func TestContainerfileBuildContext(t *testing.T) {
	for _, in := range parseContainerfile(t, "Containerfile")[0] {
		if in.keyword != "COPY" {
			continue
		}
		f := strings.Fields(in.args)
		src := f[len(f)-2]
		if src != "anycastdns" {
			t.Errorf("Containerfile:%d: COPY %s, want the binary anycastdns (make image uses bin/ as the context)", in.line, src)
		}
	}
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y)) && len(a) == len(b)
}
