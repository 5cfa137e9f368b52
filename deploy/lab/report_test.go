package lab

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"
)

// nodes are the lab's PoP identities, in table and legend order.
var nodes = []string{"pop-a", "pop-b"}

// colours of the timeline bars.
var colours = map[string]string{"pop-a": "#1f77b4", "pop-b": "#ff7f0e", "lost": "#d62728"}

// eventStyles draws each kind of event: colour, dash pattern and legend text.
var eventStyles = []struct{ kind, colour, dash, legend string }{
	{eventFault, "black", "6,3", "fault"},
	{eventSpeaker, "#9467bd", "4,2", "PoP speaker: announce, drain, withdraw"},
	{eventSession, "#7f7f7f", "1,3", "router: BGP session up or down"},
	{eventRoute, "#2ca02c", "2,2", "router: kernel route change"},
}

// table renders the records as a markdown table: one row per scenario and address family.
func table(records []record) string {
	var b strings.Builder
	b.WriteString("| # | scenario | fault | family | fault → first answer from the other node | lost | answers pop-a | answers pop-b | last second |\n")
	b.WriteString("|---|---|---|---|---|---:|---:|---:|---|\n")
	for _, r := range records {
		for _, fam := range families(r) {
			o := analyze(r, fam)
			sw := "—"
			switch {
			case r.moves(fam) && o.switched && r.cleared != "":
				sw = fmt.Sprintf("%s after %s from the %s", r.to, ms(o.switchAfter), r.cleared)
			case r.moves(fam) && o.switched:
				sw = fmt.Sprintf("%s after %s", r.to, ms(o.switchAfter))
			case r.moves(fam):
				sw = r.to + " never answered"
			case r.to != "":
				sw = "not affected"
			}
			if r.figure != "" {
				sw = r.figure
			}
			if o.bad > 0 {
				sw += fmt.Sprintf("; %d bad answers", o.bad)
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %d of %d | %d | %d | %s |\n",
				r.num, r.name, r.fault, fam, sw, o.lost, o.sent, o.byNode["pop-a"], o.byNode["pop-b"], lastSecond(o))
		}
	}
	return b.String()
}

// lastSecond describes who answered in the last second of a scenario, e.g. "pop-b 200".
func lastSecond(o outcome) string {
	var parts []string
	for _, n := range nodes {
		if o.last[n] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", n, o.last[n]))
		}
	}
	if len(parts) == 0 {
		return "no answers"
	}
	return strings.Join(parts, ", ")
}

// ms formats a duration in whole milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
}

// SVG geometry, in pixels.
const (
	svgWidth     = 960
	svgLeft      = 60
	svgRight     = 20
	svgTitle     = 30
	svgLabelRow  = 13
	svgLabelRows = 8
	svgPanel     = 140
	svgGap       = 40
	svgLegend    = 50
)

// timelineSVG draws r as one panel per address family: answers from each node and lost
// queries per 100 ms (by the time the query was sent), with the fault and the router's
// route changes as vertical lines, time in seconds from the fault.
func timelineSVG(r record) []byte {
	fams := families(r)
	plotW := float64(svgWidth - svgLeft - svgRight)
	top := float64(svgTitle + svgLabelRows*svgLabelRow)
	height := int(top) + len(fams)*(svgPanel+svgGap) + svgLegend
	span := r.end.Sub(r.start).Seconds()
	x := func(t time.Time) float64 { return svgLeft + plotW*t.Sub(r.start).Seconds()/span }

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		svgWidth, height, svgWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>`+"\n",
		svgLeft, esc(fmt.Sprintf("Scenario %d: %s (%s)", r.num, r.name, r.fault)))

	for i, fam := range fams {
		bs := bars(r, fam)
		y0 := top + float64(i*(svgPanel+svgGap)) + 16
		ymax := 1
		for _, br := range bs {
			ymax = max(ymax, br.lost+sum(br.answers))
		}
		scale := float64(svgPanel) / float64(ymax)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-weight="bold">%s: queries per 100 ms by answering node</text>`+"\n", svgLeft, y0-4, fam)
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="none" stroke="#999"/>`+"\n", svgLeft, y0, plotW, svgPanel)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%d</text>`+"\n", svgLeft-4, y0+8, ymax)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">0</text>`+"\n", svgLeft-4, y0+svgPanel)
		w := plotW * bucket.Seconds() / span
		for j, br := range bs {
			bx := svgLeft + float64(j)*w
			y := y0 + svgPanel
			for _, k := range append(append([]string{}, nodes...), "lost") {
				n := br.answers[k]
				if k == "lost" {
					n = br.lost
				}
				if n == 0 {
					continue
				}
				h := float64(n) * scale
				y -= h
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %d</title></rect>`+"\n",
					bx, y, math.Max(w-0.5, 0.5), h, colours[k], k, n)
			}
		}
		// Seconds from the fault along the axis.
		axisY := y0 + svgPanel
		ref := r.faultAt
		if ref.IsZero() {
			ref = r.start
		}
		for s := math.Ceil(r.start.Sub(ref).Seconds()); s <= r.end.Sub(ref).Seconds(); s++ {
			tx := x(ref.Add(time.Duration(s * float64(time.Second))))
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999"/>`+"\n", tx, axisY, tx, axisY+4)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%g s</text>`+"\n", tx, axisY+15, s)
		}
	}

	// Events: a vertical line through every panel, the label in the band above them.
	bottom := top + float64(len(fams)*(svgPanel+svgGap)) - svgGap + 16
	for i, e := range r.events {
		ex := x(e.at)
		colour, dash := "black", ""
		for _, st := range eventStyles {
			if st.kind == e.kind {
				colour, dash = st.colour, st.dash
			}
		}
		ly := float64(svgTitle + (i%svgLabelRows+1)*svgLabelRow)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="%s"/>`+"\n", ex, ly+2, ex, bottom, colour, dash)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n", ex+2, ly, colour, esc(e.label))
	}

	// Legend: the bars on one line, the events on the next.
	ly := float64(height - 28)
	lx := float64(svgLeft)
	for _, k := range append(append([]string{}, nodes...), "lost") {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`+"\n", lx, ly-9, colours[k], lx+14, ly, k)
		lx += 80
	}
	ly += 18
	lx = svgLeft
	for _, st := range eventStyles {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="%s"/><text x="%.1f" y="%.1f">%s</text>`+"\n",
			lx, ly-4, lx+20, ly-4, st.colour, st.dash, lx+24, ly, esc(st.legend))
		lx += 24 + 6.5*float64(len(st.legend)) + 20
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// samplesCSV lists every query of r: family, when it was sent (milliseconds from the
// fault, or from the start when there was none), round-trip time and the answering node
// (empty when lost).
func samplesCSV(r record) []byte {
	ref := r.faultAt
	if ref.IsZero() {
		ref = r.start
	}
	var b bytes.Buffer
	b.WriteString("family,sent_ms,rtt_ms,node\n")
	for _, s := range r.samples {
		fmt.Fprintf(&b, "%s,%.3f,%.3f,%s\n", s.family, float64(s.sent.Sub(ref))/1e6, float64(s.rtt)/1e6, s.node)
	}
	return b.Bytes()
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func esc(s string) string { return xmlEscaper.Replace(s) }
