// Package config assembles the configuration of anycastdns from the sections its
// packages own, and loads it from a YAML file, ANYCASTDNS_* environment variables and
// command-line flags, in that order of precedence (a flag wins).
//
// Each section is declared, defaulted and validated by the package that uses it: the
// top-level DNS keys by server.Config, health by health.Config, bgp by
// announce.Config and announce.Peer. This package holds only what belongs to the
// file as a whole: its schema (Config), strict decoding with line numbers (an
// unknown key is an error naming file:line), the defaults that depend on other keys,
// where each value was set (file:line, environment variable or flag, named in every
// error), the zone list with its paths relative to the file, Diff, which compares
// two configurations for a reload (every key of each zone too), and Plan, which sorts
// the changes into those a running node applies and the keys that need a restart.
//
// A typical use:
//
//	cfg, err := config.Load(config.Sources{File: path, Getenv: os.Getenv, Version: "anycastdns v1"})
//	// err lists every problem: "c.yaml:12: bgp.peers[0].hold-time: 2s; want at least 3s (RFC 4271 4.2)"
//	srv, err := server.New(cfg.Server, &store, server.Options{})
//
// The keys and their defaults are described in deploy/anycastdns.example.yaml.
package config
