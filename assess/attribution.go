package assess

import (
	"fmt"
	"sort"
	"strings"

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
	path := []*stix.Object{}
	if actor != nil {
		path = append(path, actor)
	}
	defer func() { r.actorFacts(f, path) }()
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
		// No State link of the incident's own: follow attributed-to from
		// the actor (incident → intrusion set → threat actor → State), at
		// most maxHops links, the weakest confidence on the path counting.
		cur := actor
		seen := map[string]bool{actor.ID: true}
		hopConf, hopConfOK, hopEv := stateConf, stateConfOK, stateEv
		hopBasis, hopBasisEv := basis, basisEv
		for hop := 0; hop < maxHops; hop++ {
			rel2 := r.bestAttribution(cur.ID)
			if rel2 == nil {
				break
			}
			next := r.ev.Object(rel2.String("target_ref"))
			if next == nil || seen[next.ID] {
				break
			}
			seen[next.ID] = true
			c2, ok2 := confidence(rel2)
			hopConfOK = hopConfOK && ok2
			hopConf = min(hopConf, c2)
			hopEv = append(hopEv, article5.Evidence{Object: rel2.ID, Pointer: "/confidence"})
			if b2, ev2 := legalBasis(rel2); b2 != "" {
				hopBasis, hopBasisEv = b2, ev2
			}
			path = append(path, next)
			if isState(next) {
				// Only a path that reaches a State sets the State link.
				reached = true
				f.State = &article5.Ref{ID: next.ID, Name: next.String("name")}
				stateConf, stateConfOK, stateEv = hopConf, hopConfOK, hopEv
				basis, basisEv = hopBasis, hopBasisEv
				break
			}
			cur = next
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

// maxHops bounds the attributed-to links followed beyond the incident's
// own (intrusion set → threat actor → State needs two).
const maxHops = 4

// actorFacts reads what the actors on the attribution path say of
// themselves (STIX 2.1 §4.16, §4.15): the threat_actor_types of every
// threat actor, the primary_motivation of the actor nearest the incident
// that has one — accidental, or a threat actor of type insider-accidental,
// makes the conduct not deliberate — and, for a State reached, whether it
// is a treaty Party (the country of its located-at location).
func (r *reader) actorFacts(f *article5.Facts, path []*stix.Object) {
	var types []string
	var typeEv []article5.Evidence
	motivated := false
	for _, o := range path {
		if o.Type == "threat-actor" {
			if ts := o.Strings("threat_actor_types"); len(ts) > 0 {
				for _, t := range ts {
					if !contains(types, t) {
						types = append(types, t)
					}
				}
				typeEv = append(typeEv, article5.Evidence{Object: o.ID, Pointer: ptr("threat_actor_types")})
			}
		}
		if m := o.String("primary_motivation"); m != "" && !motivated && (o.Type == "threat-actor" || o.Type == "intrusion-set") {
			motivated = true
			ev := article5.Evidence{Object: o.ID, Pointer: ptr("primary_motivation")}
			f.Set(article5.FactPrimaryMotivation, m, ev)
			if m == "accidental" && !f.Get(article5.FactDeliberate).Known {
				f.Set(article5.FactDeliberate, false, ev)
			}
		}
	}
	if len(types) > 0 {
		sort.Strings(types)
		f.Set(article5.FactThreatActorTypes, types, typeEv...)
		if contains(types, "insider-accidental") && !f.Get(article5.FactDeliberate).Known {
			f.Set(article5.FactDeliberate, false, typeEv...)
		}
	}
	if f.State != nil {
		for _, rel := range r.ev.Relationships(f.State.ID, "located-at") {
			lo := r.ev.Object(rel.String("target_ref"))
			if lo == nil || lo.Type != "location" {
				continue
			}
			party := "none"
			switch strings.ToUpper(lo.String("country")) {
			case "JP":
				party = "JP"
			case "US":
				party = "US"
			case "":
				continue
			}
			f.Set(article5.FactStateParty, party, article5.Evidence{Object: lo.ID, Pointer: "/country"})
			break
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
