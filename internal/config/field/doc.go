// Package field reports problems of configuration keys. Each package that owns a
// section of the configuration file (server, health, announce) validates its own
// settings and names the key of each problem relative to its section:
//
//	var errs field.Errors
//	if c.Rise < 1 {
//		errs.Add("rise", "%d; want at least 1", c.Rise)
//	}
//	return errs.Err()
//
// The loader (package internal/config) places the section in the file with [In]
// ("health.rise: 0; want at least 1") and says where the value was set. An argument of
// type [Key] in a message names another key of the section and is placed with it
// ("at most health.interval (1s)").
//
// The package is a leaf: the owners of the sections import it, and the loader imports
// them.
package field
