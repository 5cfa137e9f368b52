// Package deploy holds what operators deploy anycastdns with, and the tests that keep it
// in step with the binary:
//
//   - Containerfile: the image, FROM scratch with the static binary only (make image);
//     Dockerfile.build builds the same image from source.
//   - compose.yaml: one service per PoP from one image and one configuration.
//   - kubernetes/: a DaemonSet on the PoP nodes' own network, its ConfigMap and a
//     kustomization (kubectl apply -k deploy/kubernetes).
//   - systemd/anycastdns.service: a hardened unit with a dynamic user.
//   - anycastdns.example.yaml: every configuration key, with its default.
//   - lab/: the routed anycast lab (BIRD 2 and two PoPs in network namespaces).
//   - monitoring/: a Grafana dashboard of the fleet by node and Prometheus alert rules
//     with their unit tests (promtool test rules).
//
// The tests (go test ./deploy) parse every manifest and check it against a binary built
// from this tree: every configuration key and environment variable exists, the
// embedded configuration and zones pass `anycastdns check`, every flag parses, the ports
// and probe paths are those the binary serves, and the stop timeouts cover the drain.
// The image test builds and runs the image with podman when podman is installed (as
// root); under CI=true a missing podman, dig or systemd-analyze is a failure.
package deploy
