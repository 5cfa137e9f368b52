package field

import (
	"errors"
	"fmt"
	"strconv"
)

// Key is the path of a configuration key, "peers[0].hold-time", relative to the
// section that validates it. As an argument of a message it is placed in the file
// along with the key of the error.
type Key string

// Index returns the key of item i of the list key: "peers[2]".
func Index(key Key, i int) Key { return key + "[" + Key(strconv.Itoa(i)) + "]" }

// Join returns the key name inside key: "peers[2].port"; key "" is the top.
func Join(key, name Key) Key {
	if key == "" {
		return name
	}
	return key + "." + name
}

// Error is a problem of one key: "bgp.peers[0].hold-time: 2s; want at least 3s".
type Error struct {
	// Key names the key whose value is wrong.
	Key    Key
	format string
	args   []any
}

// Error returns "key: message".
func (e *Error) Error() string { return string(e.Key) + ": " + e.Message() }

// Message returns the problem without the key.
func (e *Error) Message() string { return fmt.Sprintf(e.format, e.args...) }

// in returns e with its key, and every key in its message, inside section.
func (e *Error) in(section Key) *Error {
	args := make([]any, len(e.args))
	for i, a := range e.args {
		if k, ok := a.(Key); ok {
			a = Join(section, k)
		}
		args[i] = a
	}
	return &Error{Key: Join(section, e.Key), format: e.format, args: args}
}

// Errors collects the problems of a section, in the order found.
type Errors struct{ errs []error }

// Add records a problem of key; the message is formatted as by fmt.Sprintf.
func (es *Errors) Add(key Key, format string, args ...any) {
	es.errs = append(es.errs, &Error{Key: key, format: format, args: args})
}

// Merge records the problems of err, the error of a subsection at key (every key of
// err is placed inside key). An error that names no key is recorded as it is.
func (es *Errors) Merge(key Key, err error) {
	if err != nil {
		es.errs = append(es.errs, List(In(key, err))...)
	}
}

// Err returns every problem recorded joined (errors.Join), or nil.
func (es *Errors) Err() error { return errors.Join(es.errs...) }

// In returns err with the key of each of its problems placed inside section:
// "hold-time" in "bgp.peers[0]" becomes "bgp.peers[0].hold-time".
func In(section Key, err error) error {
	if err == nil {
		return nil
	}
	list := List(err)
	out := make([]error, len(list))
	for i, e := range list {
		var fe *Error
		if errors.As(e, &fe) {
			e = fe.in(section)
		}
		out[i] = e
	}
	return errors.Join(out...)
}

// List returns the problems of err one by one: the errors it joins (errors.Join),
// flattened, or err itself.
func List(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, List(e)...)
	}
	return out
}
