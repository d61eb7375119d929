package ledger

import (
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/match"
)

// TestOlinkRoundTrips: every link the overlay keeps compact gives back the
// link the matcher made (Layer only where matchAt reads it, How id and key),
// and one it cannot name is kept whole.
func TestOlinkRoundTrips(t *testing.T) {
	f := &findings.Finding{ID: "0123456789abcdef", IDLayer: findings.LayerFallback,
		Keys: []string{"linehash:0123456789abcdef", "fallback:fedcba9876543210"}}
	links := []match.Link{
		{Decision: 3, How: match.ByLocation, Key: f.Keys[1], Layer: "fallback", Score: 1},
		{Decision: 4, How: match.ByID, Key: f.ID, Layer: f.IDLayer.String(), Score: 1},
		{Decision: 5, How: match.ByID, Key: f.ID, Layer: "record"},
		{Decision: 6, How: match.ByKey, Key: f.Keys[0], Layer: layerName(f.Keys[0]), Score: 1},
		{Decision: 7, How: match.ByKey, Key: f.Keys[0], Layer: ""},
		{Decision: 8, How: match.BySame, Git: true, Moved: -12, Score: 0.75},
		{Decision: 9, How: match.ByRename, From: "old/a.go", Moved: 2, Score: 0.9}, // From: whole
		{Decision: 10, How: match.ByKey, Key: "other:1", Layer: "other"},           // a key f does not have
		{Decision: 11, How: match.ByID, Key: f.ID, Layer: "odd"},                   // a layer it cannot name
		{Decision: 12, How: match.BySimilar, Moved: 1 << 40},                       // a move past int32
		{Decision: 1 << 40, How: match.BySame},                                     // an index past int32
	}
	o := &Overlay{}
	o.links = make([]olink, len(links))
	o.linkF = make([]*findings.Finding, len(links))
	for i, l := range links {
		o.linkF[i] = f
		o.links[i] = o.compact(int32(i), l, f)
	}
	for i, want := range links {
		got := o.link(int32(i))
		if want.How != match.ByID && want.How != match.ByKey && o.links[i].key != keyX {
			want.Layer = ""
		}
		if got != want {
			t.Errorf("link %d: got %+v, want %+v", i, got, want)
		}
	}
	if len(o.linkX) != 5 {
		t.Errorf("%d links kept whole, want 5 (From, foreign key, odd layer, big move, big index)", len(o.linkX))
	}
}
