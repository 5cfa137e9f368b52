package config

import (
	"strconv"
	"strings"
)

// where names the place that set key: "flag -listen", "environment ANYCASTDNS_LISTEN",
// "file:line", the file, or "default".
func (c *Config) where(key string) string {
	for k := key; k != ""; k = parentKey(k) {
		if f, ok := c.set[k]; ok {
			if strings.HasPrefix(f, envPrefix) {
				return "environment " + f
			}
			return "flag -" + f
		}
	}
	// A value without a line of its own (in a flow list) is placed at its parent's.
	for k := key; k != ""; k = parentKey(k) {
		if l, ok := c.line[k]; ok {
			return c.file + ":" + strconv.Itoa(l)
		}
	}
	if c.file != "" {
		return c.file
	}
	return "default"
}

// parentKey returns the path of the key holding key: "tcp" for "tcp.idle-timeout",
// "zones" for "zones[1]", "" at the top.
func parentKey(key string) string {
	if i := strings.LastIndexAny(key, ".["); i >= 0 {
		return key[:i]
	}
	return ""
}
