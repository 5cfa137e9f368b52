package zone

import (
	"strings"
	"testing"
)

func TestLoaderConfigure(t *testing.T) {
	d := newZoneDir(t)
	a := d.write("a.example.zone", reloadZone("a.example.", 1))
	b := d.write("b.example.zone", reloadZone("b.example.", 1))
	var st Store
	l, err := NewLoader(&st, []ZoneFile{a, b}, LoaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Configure([]ZoneFile{a}); err == nil {
		t.Error("Configure before LoadAll: no error")
	}
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	before := st.Current()

	// b removed, c added, a kept (its version untouched).
	c := d.write("c.example.zone", reloadZone("c.example.", 7))
	res, err := l.Configure([]ZoneFile{a, c})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Origin != "c.example." || res[0].Serial != 7 {
		t.Errorf("results: got %+v, want c.example. serial 7 only", res)
	}
	if got := serving(&st, "c.example."); got != 7 {
		t.Errorf("c.example.: serial %d, want 7", got)
	}
	if got := serving(&st, "b.example."); got != 0 {
		t.Errorf("b.example. still served (serial %d) after its removal", got)
	}
	if st.Current().Find("a.example.", 0) != before.Find("a.example.", 0) {
		t.Error("a.example. was loaded again though its file did not change")
	}

	// a moved to another file that does not load: the old version keeps serving;
	// d, new and broken, is left out; e, new, is served all the same.
	broken := d.write("a2.example.zone", brokenReloadZone)
	broken.Origin = "a.example."
	dz := d.write("d.example.zone", brokenReloadZone)
	e := d.write("e.example.zone", reloadZone("e.example.", 3))
	res, err = l.Configure([]ZoneFile{broken, c, dz, e})
	if err == nil || !strings.Contains(err.Error(), "a2.example.zone:4") {
		t.Errorf("got %v, want the error of a2.example.zone line 4", err)
	}
	if len(res) != 3 || res[0].Err == nil || res[0].Serial != 1 || res[1].Err == nil || res[2].Err != nil {
		t.Errorf("results: got %+v, want a failed (serial 1 serving), d failed, e loaded", res)
	}
	if serving(&st, "a.example.") != 1 || serving(&st, "e.example.") != 3 || serving(&st, "d.example.") != 0 {
		t.Errorf("serving a=%d e=%d d=%d, want 1, 3 and none", serving(&st, "a.example."), serving(&st, "e.example."), serving(&st, "d.example."))
	}

	// a moved to a good file: loaded from it.
	a3 := d.write("a3.example.zone", reloadZone("a.example.", 5))
	a3.Origin = "a.example."
	if _, err := l.Configure([]ZoneFile{a3, c, e}); err != nil {
		t.Fatal(err)
	}
	if got := serving(&st, "a.example."); got != 5 {
		t.Errorf("a.example. from its new file: serial %d, want 5", got)
	}

	// A zone twice, or one that is fed: nothing changes.
	cur := st.Current()
	if _, err := l.Configure([]ZoneFile{a3, a3}); err == nil || st.Current() != cur {
		t.Errorf("a zone twice: got %v, want an error and no change", err)
	}
	z, fres := builtZone(t, "f.example.", 1)
	if err := l.Feed("f.example.", z, fres); err != nil {
		t.Fatal(err)
	}
	cur = st.Current()
	f := d.write("f.example.zone", reloadZone("f.example.", 2))
	if _, err := l.Configure([]ZoneFile{f}); err == nil || !strings.Contains(err.Error(), "fed") {
		t.Errorf("a fed zone as a file zone: got %v, want an error", err)
	}
	if st.Current() != cur {
		t.Error("a refused Configure published a set")
	}
	// Fed zones stay when the file zones go.
	if _, err := l.Configure([]ZoneFile{c}); err != nil {
		t.Fatal(err)
	}
	if serving(&st, "f.example.") != 1 || serving(&st, "e.example.") != 0 {
		t.Errorf("serving f=%d e=%d, want 1 and none", serving(&st, "f.example."), serving(&st, "e.example."))
	}
}
