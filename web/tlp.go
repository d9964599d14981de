package web

import (
	"encoding/json"
	"strconv"
	"strings"

	"article5/stix"
)

// tlpRank orders TLP 2.0 levels, least restrictive first.
var tlpRank = map[string]int{"CLEAR": 0, "GREEN": 1, "AMBER": 2, "AMBER+STRICT": 3, "RED": 4}

// tlpName returns the TLP level of an object's object_marking_refs in
// upper case ("AMBER+STRICT"): the most restrictive one; an unknown
// marking counts as RED (as release control treats it); "" when the
// object has no TLP marking (the node's default applies).
func tlpName(o *stix.Object) string {
	best := ""
	for _, m := range o.Strings("object_marking_refs") {
		t, ok := stix.TLPOf(m)
		name := "RED"
		if ok {
			name = strings.ToUpper(string(t))
		}
		if best == "" || tlpRank[name] > tlpRank[best] {
			best = name
		}
	}
	return best
}

// tlpTracker keeps the most restrictive TLP of what a page shows.
type tlpTracker struct {
	max string
	def string // the node's default, for unmarked objects
}

func (t *tlpTracker) add(name string) {
	if name == "" {
		name = t.def
	}
	if name == "" {
		return
	}
	if t.max == "" || tlpRank[name] > tlpRank[t.max] {
		t.max = name
	}
}

// banner is the page's TLP: CLEAR when it shows nothing marked.
func (t *tlpTracker) banner() string {
	if t.max == "" {
		return "CLEAR"
	}
	return t.max
}

// float reads a number property of a STIX object.
func float(o *stix.Object, prop string) (float64, bool) {
	switch v := o.Props[prop].(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

// tracker returns a tlpTracker that counts unmarked objects at the node's
// default level.
func (h *handler) tracker() tlpTracker {
	return tlpTracker{def: h.defaultTLP()}
}

// defaultTLP is the level of an object without a TLP marking: the node's
// default (release.Policy.Default), as the pages name it.
func (h *handler) defaultTLP() string {
	return strings.ToUpper(string(h.n.Policy.Default))
}
