package stix

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
)

// Extension types of STIX 2.1 §7.3 (extension-type-enum, closed).
const (
	ExtNewSDO           = "new-sdo"
	ExtNewSCO           = "new-sco"
	ExtNewSRO           = "new-sro"
	ExtProperty         = "property-extension"
	ExtToplevelProperty = "toplevel-property-extension"
)

// Well-known extension-definition ids.
const (
	// IncidentCoreExtensionID is the OASIS Incident Core Extension
	// (cti-stix-common-objects), a property-extension on incident.
	IncidentCoreExtensionID = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
	// ImpactExtensionID defines the impact SDO of the Incident Core suite.
	ImpactExtensionID = "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9"
	// Article5ExtensionID is article5's own extension-definition: a
	// property-extension on incident, relationship, identity and location,
	// and the new SDO types article5-assessment and article5-determination.
	// It is pre-registered with Properties nil (names checked for form only)
	// and the numbers of its incident extension (extension/schema.json,
	// $defs/incident-extension); the assessment engine validates its other
	// properties itself and may RegisterExtension a fuller ExtensionInfo
	// under this id.
	Article5ExtensionID = "extension-definition--7e1ad871-e324-4401-b26f-04600fa74dcd"
)

// ExtensionInfo describes an extension-definition (STIX 2.1 §7.3) known to
// the validator without being in the bundle.
type ExtensionInfo struct {
	ID    string   // "extension-definition--<uuid>"
	Name  string   // human-readable name
	Types []string // extension_types, from the closed list ExtNewSDO … ExtToplevelProperty

	// ObjectTypes lists, for new-sdo/new-sco/new-sro, the object types the
	// extension defines; for property extensions, the object types it may be
	// attached to (empty: any).
	ObjectTypes []string

	// Properties lists the property names the extension defines (inside the
	// extension's dictionary for a property-extension, at the top level for
	// a new object type or a toplevel-property-extension). Nil means "not
	// checked": any well-formed name is accepted without a warning.
	Properties []string

	Timestamps    []string            // properties holding STIX timestamps
	Required      []string            // properties a property-extension's dictionary must hold
	Closed        map[string][]string // closed vocabularies: property → allowed values
	Ranges        map[string][2]int64 // integer properties → inclusive [min, max]
	SubExtensions []string            // keys allowed in "extensions" of objects of a new type

	// Numbers holds the rules for numbers at any depth: keys are RFC 6901
	// pointers relative to the extension's dictionary (property-extension)
	// or to the object (new object types), "*" standing for every key of a
	// dictionary or element of a list (e.g. "/casualties/*/count"). A
	// number that breaks its rule is an error naming its pointer.
	Numbers map[string]NumberRule
}

var (
	registryMu sync.RWMutex
	registry   = map[string]ExtensionInfo{}
)

// RegisterExtension adds or replaces a known extension-definition, so that
// objects using it are checked against it without the definition being in
// the bundle. It is meant to be called during program initialisation (e.g.
// by the assessment engine for article5's own extension, whose properties it
// validates itself). It panics if def.ID is not an extension-definition
// identifier or def.Types holds a value outside the closed list.
func RegisterExtension(def ExtensionInfo) {
	if !validIdentifier(def.ID) || typeOfID(def.ID) != "extension-definition" {
		panic(fmt.Sprintf("stix: RegisterExtension: %q is not an extension-definition id", def.ID))
	}
	for _, t := range def.Types {
		if !slices.Contains(extensionTypes, t) {
			panic(fmt.Sprintf("stix: RegisterExtension: extension type %q not in STIX 2.1 §7.3", t))
		}
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[def.ID] = def
}

// KnownExtension returns the registered extension-definition with that id.
func KnownExtension(id string) (ExtensionInfo, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	d, ok := registry[id]
	return d, ok
}

// KnownExtensions returns the ids of all registered extension-definitions,
// sorted.
func KnownExtensions() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return slices.Sorted(maps.Keys(registry))
}

var extensionTypes = []string{ExtNewSDO, ExtNewSCO, ExtNewSRO, ExtProperty, ExtToplevelProperty}

// Sources of the number rules of the extensions registered below.
const (
	srcEntityCount = "Incident Core Extension, entity-count: an integer ≥ 0"
	srcImpact      = "Incident Extension Suite §2.3.2"
	srcArticle5    = "article5 extension/schema.json, $defs/incident-extension"
)

// count is the rule of a number of persons, systems, records or bytes.
func count(src string) NumberRule {
	return NumberRule{Integer: true, Min: 0, Max: MaxInteger, Source: src}
}

func init() {
	RegisterExtension(ExtensionInfo{
		ID:          IncidentCoreExtensionID,
		Name:        "Incident Core Extension",
		Types:       []string{ExtProperty},
		ObjectTypes: []string{"incident"},
		Properties: []string{"extension_type", "determination", "investigation_status", "incident_types",
			"criticality", "recoverability", "impacted_entity_counts", "impact_refs", "scores", "events",
			"tasks", "detection_methods", "event_refs", "task_refs", "other_event_refs", "sequence_start_refs", "sequence_refs"},
		// Incident Core Extension schema (incident_core.json): required.
		Required: []string{"determination", "investigation_status"},
		Closed: map[string][]string{
			"determination":  {"blocked", "failed-attempt", "false-positive", "low-value", "successful-attempt", "suspected"},
			"recoverability": {"not-applicable", "regular", "supplemented", "extended", "not-recoverable"},
		},
		Ranges: map[string][2]int64{"criticality": {0, 100}},
		Numbers: map[string]NumberRule{
			"/impacted_entity_counts/*": count(srcEntityCount),
			"/scores/*/value":           {Min: -math.MaxFloat64, Max: math.MaxFloat64, Source: "Incident Core Extension, incident-score"},
		},
	})
	RegisterExtension(ExtensionInfo{
		ID:            ImpactExtensionID,
		Name:          "Impact",
		Types:         []string{ExtNewSDO},
		ObjectTypes:   []string{"impact"},
		Timestamps:    []string{"start_time", "end_time"},
		Closed:        map[string][]string{"recoverability": {"not-applicable", "regular", "supplemented", "extended", "not-recoverable"}},
		Ranges:        map[string][2]int64{"criticality": {0, 100}},
		SubExtensions: []string{"availability", "confidentiality", "external", "integrity", "monetary", "physical", "traceability"},
		Numbers: map[string]NumberRule{
			"/impacted_entity_counts/*":                    count(srcEntityCount),
			"/extensions/availability/availability_impact": {Integer: true, Min: 0, Max: 100, Source: srcImpact + ".1, percent"},
			"/extensions/confidentiality/record_count":     count(srcImpact + ".2"),
			"/extensions/confidentiality/record_size":      count(srcImpact + ".2, bytes"),
			"/extensions/integrity/record_count":           count(srcImpact + ".4"),
			"/extensions/integrity/record_size":            count(srcImpact + ".4, bytes"),
			"/extensions/monetary/conversion_rate":         {Min: 0, MinExclusive: true, Max: math.MaxFloat64, Source: srcImpact + ".5"},
			"/extensions/monetary/max_amount":              {Min: 0, MinExclusive: true, Max: math.MaxFloat64, Source: srcImpact + ".5, in currency"},
			"/extensions/monetary/min_amount":              {Min: 0, MinExclusive: true, Max: math.MaxFloat64, Source: srcImpact + ".5, in currency"},
		},
	})
	RegisterExtension(ExtensionInfo{
		ID:          TLP2ExtensionID,
		Name:        "TLP 2.0",
		Types:       []string{ExtProperty},
		ObjectTypes: []string{"marking-definition"},
		Properties:  []string{"extension_type", "tlp_2_0"},
		Closed:      map[string][]string{"tlp_2_0": {"clear", "green", "amber", "amber+strict", "red"}},
	})
	RegisterExtension(ExtensionInfo{
		ID:          Article5ExtensionID,
		Name:        "article5",
		Types:       []string{ExtProperty, ExtNewSDO},
		ObjectTypes: []string{"incident", "relationship", "identity", "location", "article5-assessment", "article5-determination", "article5-consultation", "article5-doctrine"},
		Numbers: map[string]NumberRule{
			"/casualties/*/count":       count(srcArticle5 + ", persons"),
			"/space_objects/*/norad_id": {Integer: true, Min: 1, Max: MaxInteger, Source: srcArticle5},
		},
	})
}

// extensionInfo resolves an extension-definition id: first the latest
// version present in the bundle, then the registry. The number rules
// (Ranges, Numbers) and required properties of a registered id hold even when the bundle carries
// its own copy of the definition, so that including it cannot lift them.
func (v *validator) extensionInfo(id string) (ExtensionInfo, bool) {
	if o, ok := v.extDefs[id]; ok {
		info := ExtensionInfo{ID: id, Name: o.String("name"), Types: o.Strings("extension_types")}
		if props, ok := o.Props["extension_properties"].([]any); ok {
			for _, p := range props {
				if s, ok := p.(string); ok {
					info.Properties = append(info.Properties, s)
				}
			}
		}
		if known, ok := KnownExtension(id); ok {
			info.Ranges, info.Numbers, info.Required = known.Ranges, known.Numbers, known.Required
		}
		return info, true
	}
	return KnownExtension(id)
}

// isNewObjectType reports whether t is new-sdo, new-sco or new-sro.
func isNewObjectType(t string) bool { return t == ExtNewSDO || t == ExtNewSCO || t == ExtNewSRO }
