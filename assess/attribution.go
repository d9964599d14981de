package assess

import (
	"fmt"
	"sort"

	"article5"
	"article5/stix"
)

// attribution follows attributed-to from the incident to its actor and,
// from there, to a State (an identity with sector government-national).
// Legal basis: article5's extension on the relationship that reaches the
// State (else on the incident's own); confidence: the lowest STIX
// confidence on the path, unknown if any link lacks one. Sources: ARSIWA
// Arts 4, 5, 8, 11; Definition of Aggression Art. 3(g).
func (r *reader) attribution(f *article5.Facts, inc *stix.Object) {
	// The incident's own attributed-to relationships: the best one to an
	// actor, and the best one straight to a State (a record's own coding of
	// the State, which wins over a State reached through a shared actor).
	var actorRel, stateRel *stix.Object
	for _, rel := range r.attributions(inc.ID) {
		t := r.ev.Object(rel.String("target_ref"))
		if t != nil && isState(t) {
			if stateRel == nil {
				stateRel = rel
			}
		} else if actorRel == nil {
			actorRel = rel
		}
	}
	if actorRel == nil && stateRel == nil {
		return
	}
	if actorRel == nil {
		actorRel = stateRel
	}
	target := actorRel.String("target_ref")
	actor := r.ev.Object(target)
	f.Actor = &article5.Ref{ID: target}
	if actor != nil {
		f.Actor.Name = actor.String("name")
	}
	basis, basisEv := legalBasis(actorRel)
	conf, confOK := confidence(actorRel)
	confEv := article5.Evidence{Object: actorRel.ID, Pointer: "/confidence"}
	if confOK {
		f.Set(article5.FactAttributionConfidence, int64(conf), confEv)
	}
	stateConf, stateConfOK := conf, confOK
	stateEv := []article5.Evidence{confEv}
	reached := false
	switch {
	case actor != nil && isState(actor):
		f.State = f.Actor
		reached = true
	case stateRel != nil:
		st := r.ev.Object(stateRel.String("target_ref"))
		f.State = &article5.Ref{ID: st.ID, Name: st.String("name")}
		reached = true
		if b2, ev2 := legalBasis(stateRel); b2 != "" {
			basis, basisEv = b2, ev2
		}
		stateConf, stateConfOK = confidence(stateRel)
		stateEv = []article5.Evidence{{Object: stateRel.ID, Pointer: "/confidence"}}
	case actor != nil:
		// No State link of the incident's own: follow the actor's (a case
		// written as incident → actor → State).
		if rel2 := r.bestAttribution(actor.ID); rel2 != nil {
			if st := r.ev.Object(rel2.String("target_ref")); st != nil && isState(st) {
				reached = true
				f.State = &article5.Ref{ID: st.ID, Name: st.String("name")}
				if b2, ev2 := legalBasis(rel2); b2 != "" {
					basis, basisEv = b2, ev2
				}
				c2, ok2 := confidence(rel2)
				stateConfOK = stateConfOK && ok2
				if c2 < stateConf {
					stateConf = c2
				}
				stateEv = append(stateEv, article5.Evidence{Object: rel2.ID, Pointer: "/confidence"})
			}
		}
	}
	if reached && stateConfOK {
		f.Set(article5.FactStateNexusConfidence, int64(stateConf), stateEv...)
	}
	if basis != "" && basis != "unknown" {
		if !contains(article5.LegalBases, basis) {
			r.fault(basisEv.Object, basisEv.Pointer, "expected a legal basis (%v), got %q", article5.LegalBases, basis)
		} else {
			f.Set(article5.FactLegalBasis, basis, basisEv)
			switch {
			case article5.StateNexusBases[basis]:
				f.Set(article5.FactStateNexus, true, basisEv)
				if !reached && stateConfOK {
					// The incident's own link carries a State basis (e.g. a
					// State organ named as the actor): its confidence is the
					// State link's.
					f.Set(article5.FactStateNexusConfidence, int64(stateConf), stateEv...)
				}
			case basis == "non-state-actor":
				f.Set(article5.FactStateNexus, false, basisEv)
			}
		}
	}
}

// attributions returns a source's attributed-to relationships, highest
// confidence first (unknown lowest), ties by id: independent of input order.
func (r *reader) attributions(source string) []*stix.Object {
	rels := append([]*stix.Object(nil), r.ev.Relationships(source, "attributed-to")...)
	sort.SliceStable(rels, func(i, j int) bool {
		ci, oki := confidence(rels[i])
		cj, okj := confidence(rels[j])
		if !oki {
			ci = -1
		}
		if !okj {
			cj = -1
		}
		if ci != cj {
			return ci > cj
		}
		return rels[i].ID < rels[j].ID
	})
	return rels
}

// bestAttribution picks the attributed-to of highest confidence (unknown
// lowest), ties by id, so the choice is independent of input order.
func (r *reader) bestAttribution(source string) *stix.Object {
	rels := r.attributions(source)
	if len(rels) == 0 {
		return nil
	}
	return rels[0]
}

func confidence(rel *stix.Object) (int, bool) {
	n, ok := asInt(rel.Props["confidence"])
	return int(n), ok
}

func legalBasis(rel *stix.Object) (string, article5.Evidence) {
	ev := article5.Evidence{Object: rel.ID, Pointer: ptr("extensions", extA5, "legal_basis")}
	ext, _ := rel.Map("extensions")[extA5].(map[string]any)
	if ext == nil {
		return "", ev
	}
	s, ok := ext["legal_basis"].(string)
	if !ok {
		return fmt.Sprint(ext["legal_basis"]), ev
	}
	return s, ev
}

// isState reports whether an object stands for a State: an identity whose
// sectors include government-national.
func isState(o *stix.Object) bool {
	return o.Type == "identity" && contains(o.Strings("sectors"), "government-national")
}
