package deploy

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The parts of the Kubernetes objects the tests read (yaml keys as Kubernetes spells them).
type (
	k8sObject struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Data      map[string]string `yaml:"data"`
		Resources []string          `yaml:"resources"`
		Spec      struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Template struct {
				Metadata struct {
					Labels map[string]string `yaml:"labels"`
				} `yaml:"metadata"`
				Spec podSpec `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	podSpec struct {
		HostNetwork                   bool              `yaml:"hostNetwork"`
		NodeSelector                  map[string]string `yaml:"nodeSelector"`
		TerminationGracePeriodSeconds int               `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               struct {
			RunAsNonRoot bool  `yaml:"runAsNonRoot"`
			RunAsUser    int64 `yaml:"runAsUser"`
			RunAsGroup   int64 `yaml:"runAsGroup"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
		Volumes    []struct {
			Name      string `yaml:"name"`
			ConfigMap struct {
				Name string `yaml:"name"`
			} `yaml:"configMap"`
		} `yaml:"volumes"`
	}
	container struct {
		Name    string   `yaml:"name"`
		Image   string   `yaml:"image"`
		Command []string `yaml:"command"`
		Args    []string `yaml:"args"`
		Env     []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom struct {
				FieldRef struct {
					FieldPath string `yaml:"fieldPath"`
				} `yaml:"fieldRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Ports []struct {
			ContainerPort int    `yaml:"containerPort"`
			Protocol      string `yaml:"protocol"`
		} `yaml:"ports"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
		Lifecycle      struct {
			PreStop *struct {
				Sleep *struct {
					Seconds int `yaml:"seconds"`
				} `yaml:"sleep"`
				HTTPGet *httpGet `yaml:"httpGet"`
				Exec    any      `yaml:"exec"`
			} `yaml:"preStop"`
		} `yaml:"lifecycle"`
		SecurityContext struct {
			ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
				Add  []string `yaml:"add"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"volumeMounts"`
	}
	probe struct {
		HTTPGet *httpGet `yaml:"httpGet"`
	}
	httpGet struct {
		Host string `yaml:"host"`
		Path string `yaml:"path"`
		Port int    `yaml:"port"`
	}
)

// k8sObjects decodes every document of every YAML file in deploy/kubernetes, by file.
func k8sObjects(t *testing.T) map[string][]k8sObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in kubernetes/: %v", err)
	}
	objs := map[string][]k8sObject{}
	for _, f := range files {
		dec := yaml.NewDecoder(bytes.NewReader(mustRead(t, f)))
		for {
			var o k8sObject
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o.APIVersion == "" || o.Kind == "" {
				t.Errorf("%s: a document without apiVersion and kind", f)
			}
			objs[filepath.Base(f)] = append(objs[filepath.Base(f)], o)
		}
	}
	return objs
}

// probePaths are the paths the binary serves on its metrics listener; TestProbePaths
// checks them against a running binary.
var probePaths = map[string]string{"liveness": "/healthz", "readiness": "/readyz"}

func TestKubernetes(t *testing.T) {
	objs := k8sObjects(t)
	byKind := map[string]k8sObject{}
	for file, list := range objs {
		for _, o := range list {
			if _, dup := byKind[o.Kind]; dup {
				t.Errorf("%s: a second %s", file, o.Kind)
			}
			byKind[o.Kind] = o
		}
	}
	// The kustomization lists every other manifest, and only existing ones.
	kust := byKind["Kustomization"]
	var want []string
	for file := range objs {
		if file != "kustomization.yaml" {
			want = append(want, file)
		}
	}
	if !sameSet(kust.Resources, want) {
		t.Errorf("kustomization.yaml resources %v, want every manifest: %v", kust.Resources, want)
	}

	ds, cm := byKind["DaemonSet"], byKind["ConfigMap"]
	if ds.Kind == "" || cm.Kind == "" {
		t.Fatalf("want a DaemonSet and a ConfigMap, got %v", slices.Collect(maps.Keys(byKind)))
	}
	pod := ds.Spec.Template.Spec
	for k, v := range ds.Spec.Selector.MatchLabels {
		if ds.Spec.Template.Metadata.Labels[k] != v {
			t.Errorf("DaemonSet selector %s=%s does not match the pod's labels %v", k, v, ds.Spec.Template.Metadata.Labels)
		}
	}
	if !pod.HostNetwork {
		t.Error("DaemonSet: hostNetwork false, want true (anycast addresses and BGP are the node's)")
	}
	if len(pod.NodeSelector) == 0 {
		t.Error("DaemonSet: no nodeSelector, want the PoP nodes only")
	}
	if uid := strconv.FormatInt(pod.SecurityContext.RunAsUser, 10) + ":" + strconv.FormatInt(pod.SecurityContext.RunAsGroup, 10); !pod.SecurityContext.RunAsNonRoot || uid != imageUser {
		t.Errorf("DaemonSet: runAsNonRoot %v, user %s; want true and the image's %s", pod.SecurityContext.RunAsNonRoot, uid, imageUser)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("DaemonSet: %d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if !sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		!slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) || !slices.Equal(sc.Capabilities.Add, []string{"NET_BIND_SERVICE"}) {
		t.Errorf("container securityContext %+v: want readOnlyRootFilesystem, no privilege escalation, drop ALL, add NET_BIND_SERVICE only", sc)
	}
	if c.Command != nil {
		t.Errorf("container command %q: want the image's entrypoint (anycastdns serve)", c.Command)
	}
	checkFlags(t, "DaemonSet args", append([]string{"serve"}, c.Args...))

	// The environment: known variables; the identity is the node's name.
	env := map[string]string{}
	for _, e := range c.Env {
		switch e.ValueFrom.FieldRef.FieldPath {
		case "":
			env[e.Name] = e.Value
		case "spec.nodeName":
			env[e.Name] = "node-1.pop-ams1"
		case "status.hostIP":
			env[e.Name] = "192.0.2.10"
		default:
			t.Errorf("env %s: fieldRef %s not expected", e.Name, e.ValueFrom.FieldRef.FieldPath)
		}
		if e.Name == "ANYCASTDNS_IDENTITY" && e.ValueFrom.FieldRef.FieldPath != "spec.nodeName" {
			t.Errorf("env ANYCASTDNS_IDENTITY: want the downward API's spec.nodeName")
		}
	}
	checkEnvNames(t, "DaemonSet", env)

	// The configuration: mounted from the ConfigMap where ANYCASTDNS_CONFIG says, and
	// it loads, with its zones and the pod's environment, in the real binary.
	cfgPath := env["ANYCASTDNS_CONFIG"]
	if cfgPath == "" {
		cfgPath = imageConfig
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.ConfigMap.Name == cm.Metadata.Name && m.MountPath == path.Dir(cfgPath) && m.ReadOnly {
				mounted = true
			}
		}
	}
	if !mounted {
		t.Errorf("the ConfigMap %q is not mounted read-only at %s", cm.Metadata.Name, path.Dir(cfgPath))
	}
	cfgName := path.Base(cfgPath)
	if _, ok := cm.Data[cfgName]; !ok {
		t.Fatalf("ConfigMap: no key %s", cfgName)
	}
	checkEnv := map[string]string{}
	for k, v := range env {
		if k != "ANYCASTDNS_CONFIG" {
			checkEnv[k] = v
		}
	}
	checkConfig(t, "ConfigMap", cm.Data, cfgName, checkEnv)
	facts := parseFacts(t, "ConfigMap "+cfgName, []byte(cm.Data[cfgName]))

	// Ports: the container's, the image's and the configuration's agree.
	var ports []string
	for _, p := range c.Ports {
		ports = append(ports, strconv.Itoa(p.ContainerPort)+"/"+strings.ToLower(p.Protocol))
	}
	if !sameSet(ports, imageExpose) {
		t.Errorf("containerPorts %v, want the image's EXPOSE %v", ports, imageExpose)
	}
	metricsHost, metricsPort := facts.metricsAddr(t)
	for _, p := range facts.listenPorts(t) {
		if !slices.Contains(ports, strconv.Itoa(p)+"/udp") || !slices.Contains(ports, strconv.Itoa(p)+"/tcp") {
			t.Errorf("listen port %d: not a containerPort (UDP and TCP) in %v", p, ports)
		}
	}
	if !slices.Contains(ports, strconv.Itoa(metricsPort)+"/tcp") {
		t.Errorf("metrics port %d: not a containerPort in %v", metricsPort, ports)
	}

	// Probes: the metrics listener's address, the binary's paths.
	for kind, p := range map[string]*probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe: want an httpGet probe", kind)
			continue
		}
		g := p.HTTPGet
		if g.Path != probePaths[kind] || g.Port != metricsPort || g.Host != metricsHost {
			t.Errorf("%s probe: http://%s:%d%s, want http://%s:%d%s (metrics.listen)", kind, g.Host, g.Port, g.Path,
				metricsHost, metricsPort, probePaths[kind])
		}
	}

	// Stop: the grace period covers the preStop hook and the whole drain.
	pre := c.Lifecycle.PreStop
	if pre == nil || pre.Exec != nil {
		t.Fatalf("preStop %+v: want a hook, and not exec (the image has no shell)", pre)
	}
	hook := time.Duration(0)
	if pre.Sleep != nil {
		hook = time.Duration(pre.Sleep.Seconds) * time.Second
	}
	grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second
	if need := hook + facts.stopTime(); grace < need {
		t.Errorf("terminationGracePeriodSeconds %v: want at least preStop %v + drain grace, linger and shutdown-timeout %v",
			grace, hook, facts.stopTime())
	}
}

// TestKubernetesImage checks that the DaemonSet runs the image the kustomization names.
func TestKubernetesImage(t *testing.T) {
	k := string(mustRead(t, filepath.Join("kubernetes", "kustomization.yaml")))
	var kust struct {
		Images []struct {
			Name string `yaml:"name"`
		} `yaml:"images"`
	}
	if err := yaml.Unmarshal([]byte(k), &kust); err != nil {
		t.Fatal(err)
	}
	for _, o := range k8sObjects(t)["daemonset.yaml"] {
		for _, c := range o.Spec.Template.Spec.Containers {
			if len(kust.Images) != 1 || kust.Images[0].Name != c.Image {
				t.Errorf("container image %q: want the kustomization's images[0].name %+v", c.Image, kust.Images)
			}
		}
	}
}
