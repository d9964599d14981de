package stix

import (
	"encoding/json"
	"slices"
	"strings"
)

// checkTypeRules applies the rules of single types that relate several
// properties.
func (c *objectCheck) checkTypeRules() {
	p := c.o.Props
	has := func(k string) bool { _, ok := p[k]; return ok }
	switch c.o.Type {
	case "relationship":
		if rt, ok := p["relationship_type"].(string); ok {
			if msg := checkRelationshipType(rt); msg != "" {
				c.errorf("/relationship_type", "relationship-type", "relationship_type %q: %s (STIX 2.1 §5.1); the types STIX defines are lowercase and hyphenated, e.g. attributed-to", rt, msg)
			}
		}
	case "location":
		c.checkLocation()
	case "malware":
		if p["is_family"] == true && !has("name") {
			c.errorf("/name", "missing-property", "a malware family (is_family true) requires name (STIX 2.1 §4.10)")
		}
	case "malware-analysis":
		if !has("result") && !has("analysis_sco_refs") {
			c.errorf("", "missing-property", "malware-analysis requires result or analysis_sco_refs (STIX 2.1 §4.11)")
		}
	case "observed-data":
		if c.is20 {
			break
		}
		switch {
		case has("objects") && has("object_refs"):
			c.errorf("/objects", "observed-data", "objects must not be present when object_refs is (STIX 2.1 §4.13)")
		case has("objects"):
			c.warnf("/objects", "deprecated", "objects is deprecated in STIX 2.1; use object_refs (STIX 2.1 §4.13)")
		case !has("object_refs"):
			c.errorf("/object_refs", "missing-property", "observed-data requires object_refs (or the deprecated objects) (STIX 2.1 §4.13)")
		}
	case "file":
		if !has("hashes") && !has("name") {
			c.errorf("", "missing-property", "file requires hashes or name (STIX 2.1 §6.7)")
		}
	case "network-traffic":
		if p["is_active"] == true && has("end") {
			c.errorf("/end", "network-traffic", "end must not be present when is_active is true (STIX 2.1 §6.12)")
		}
	case "windows-registry-key":
		if l, ok := p["values"].([]any); ok {
			for i, e := range l {
				if m, ok := e.(map[string]any); ok {
					if dt, ok := m["data_type"]; ok {
						c.checkValue("/values/"+itoa(i)+"/data_type", "data_type", dt, propSpec{kind: vEnum, values: registryDataTypes})
					}
				}
			}
		}
	case "marking-definition":
		c.checkMarkingDefinition()
	case "extension-definition":
		c.checkExtensionDefinition()
	}
}

var registryDataTypes = strings.Fields("REG_NONE REG_SZ REG_EXPAND_SZ REG_BINARY REG_DWORD REG_DWORD_BIG_ENDIAN REG_DWORD_LITTLE_ENDIAN REG_LINK REG_MULTI_SZ REG_RESOURCE_LIST REG_FULL_RESOURCE_DESCRIPTION REG_RESOURCE_REQUIREMENTS_LIST REG_QWORD REG_INVALID_TYPE")

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// checkLocation applies STIX 2.1 §4.9.
func (c *objectCheck) checkLocation() {
	p := c.o.Props
	_, hasLat := p["latitude"]
	_, hasLon := p["longitude"]
	_, hasRegion := p["region"]
	_, hasCountry := p["country"]
	if !hasRegion && !hasCountry && !(hasLat && hasLon) {
		c.errorf("", "missing-property", "location requires region, country, or latitude and longitude (STIX 2.1 §4.9)")
	}
	if hasLat != hasLon {
		ptr := "/longitude"
		if !hasLat {
			ptr = "/latitude"
		}
		c.errorf(ptr, "coordinates", "latitude and longitude must be given together (STIX 2.1 §4.9)")
	}
	if f, ok := number(p["latitude"]); ok && (f < -90 || f > 90) {
		c.errorf("/latitude", "coordinates", "latitude %v is outside -90.0 to 90.0 (STIX 2.1 §4.9)", f)
	}
	if f, ok := number(p["longitude"]); ok && (f < -180 || f > 180) {
		c.errorf("/longitude", "coordinates", "longitude %v is outside -180.0 to 180.0 (STIX 2.1 §4.9)", f)
	}
	if _, ok := p["precision"]; ok {
		if !hasLat || !hasLon {
			c.errorf("/precision", "coordinates", "precision requires latitude and longitude (STIX 2.1 §4.9)")
		}
		if f, ok := number(p["precision"]); ok && f < 0 {
			c.errorf("/precision", "coordinates", "precision %v is negative; it is a distance in meters (STIX 2.1 §4.9)", f)
		}
	}
}

// checkMarkingDefinition applies STIX 2.1 §7.2.1 and the TLP rules: the
// TLP 1.0 ids of §7.2.1.4 must hold their TLP 1.0 content, the TLP 2.0 ids
// their OASIS TLP 2.0 content, and no other id may claim to be TLP.
func (c *objectCheck) checkMarkingDefinition() {
	p := c.o.Props
	dt, hasDT := p["definition_type"]
	def, hasDef := p["definition"].(map[string]any)
	_, hasExt := p["extensions"]
	switch {
	case hasDT && !hasDef && p["definition"] == nil:
		c.errorf("/definition", "missing-property", "definition_type requires definition (STIX 2.1 §7.2.1)")
	case !hasDT && p["definition"] != nil:
		c.errorf("/definition_type", "missing-property", "definition requires definition_type (STIX 2.1 §7.2.1)")
	case !hasDT && !hasExt && !c.is20:
		c.errorf("", "missing-property", "marking-definition requires definition_type and definition, or extensions (STIX 2.1 §7.2.1)")
	}
	switch dt {
	case nil:
	case "tlp":
		if s, ok := def["tlp"].(string); hasDef && (!ok || tlp1To2[s] == "") && !IsBuiltinMarking(c.o.ID) {
			c.errorf("/definition/tlp", "vocabulary", "TLP 1.0 definition tlp must be white, green, amber or red (STIX 2.1 §7.2.1.4)")
		}
	case "statement":
		if _, ok := def["statement"].(string); hasDef && !ok {
			c.errorf("/definition/statement", "missing-property", "statement marking requires a statement string (STIX 2.1 §7.2.1.3)")
		}
	default:
		c.warnf("/definition_type", "vocabulary", "definition_type %s should be statement or tlp (STIX 2.1 §7.2.1)", describe(dt))
	}
	c.checkTLP(def)
}

// checkTLP flags a marking-definition whose content contradicts its id.
func (c *objectCheck) checkTLP(def map[string]any) {
	p := c.o.Props
	name, hasName := p["name"].(string)
	defTLP, _ := def["tlp"].(string)
	var ext2 map[string]any
	if exts, ok := p["extensions"].(map[string]any); ok {
		ext2, _ = exts[TLP2ExtensionID].(map[string]any)
	}
	tlp2, _ := ext2["tlp_2_0"].(string)
	id := c.o.ID
	if colour, ok := tlp1IDs[id]; ok {
		want := "TLP:" + strings.ToUpper(colour)
		switch {
		case ext2 != nil:
			c.errorf("/extensions/"+TLP2ExtensionID, "tlp-conflict", "the TLP 1.0 %s id carries the TLP 2.0 extension; TLP 2.0 markings have their own ids (e.g. TLP:CLEAR is %s)", strings.ToUpper(colour), TLPClearID)
		case p["definition_type"] != "tlp":
			c.errorf("/definition_type", "tlp-conflict", "the TLP 1.0 %s id must have definition_type \"tlp\" (STIX 2.1 §7.2.1.4)", strings.ToUpper(colour))
		case defTLP != colour:
			c.errorf("/definition/tlp", "tlp-conflict", "the TLP 1.0 %s id declares tlp %q; STIX 2.1 §7.2.1.4 fixes it to %q (TLP 2.0 levels such as clear have their own ids: %s)", strings.ToUpper(colour), defTLP, colour, TLPClearID)
		case hasName && name != want:
			c.errorf("/name", "tlp-conflict", "the TLP 1.0 %s id is named %q; expected %q (STIX 2.1 §7.2.1.4)", strings.ToUpper(colour), name, want)
		}
		return
	}
	if level, ok := tlp2IDs[id]; ok {
		want := tlp2Name(level)
		switch {
		case ext2 == nil:
			c.errorf("/extensions", "tlp-conflict", "the built-in TLP 2.0 %s id must carry extension %s with tlp_2_0 %q", want, TLP2ExtensionID, level)
		case tlp2 != string(level):
			c.errorf("/extensions/"+TLP2ExtensionID+"/tlp_2_0", "tlp-conflict", "the built-in TLP 2.0 %s id declares tlp_2_0 %q; expected %q", want, tlp2, level)
		case p["definition_type"] != nil || def != nil:
			c.errorf("/definition_type", "tlp-conflict", "the built-in TLP 2.0 %s marking has no definition_type or definition", want)
		case hasName && name != want:
			c.errorf("/name", "tlp-conflict", "the built-in TLP 2.0 marking is named %q; expected %q", name, want)
		}
		return
	}
	switch {
	case p["definition_type"] == "tlp":
		c.errorf("/id", "tlp-conflict", "a TLP 1.0 marking must use one of the ids of STIX 2.1 §7.2.1.4; other TLP marking-definitions must not be created")
	case ext2 != nil:
		c.errorf("/id", "tlp-conflict", "a TLP 2.0 marking must use one of the OASIS TLP 2.0 ids (e.g. TLP:CLEAR is %s)", TLPClearID)
	}
}

// checkExtensionDefinition applies STIX 2.1 §7.3.
func (c *objectCheck) checkExtensionDefinition() {
	p := c.o.Props
	types := c.o.Strings("extension_types")
	props, hasProps := p["extension_properties"].([]any)
	if hasProps && !slices.Contains(types, ExtToplevelProperty) {
		c.warnf("/extension_properties", "extension", "extension_properties is meant for toplevel-property-extension (STIX 2.1 §7.3)")
	}
	for i, e := range props {
		if s, ok := e.(string); ok {
			if msg := checkPropertyName(s); msg != "" {
				c.errorf("/extension_properties/"+itoa(i), "property-name", "extension property name %q: %s (STIX 2.1 §7.3)", s, msg)
			}
		}
	}
	if slices.Contains(types, ExtToplevelProperty) && !hasProps {
		c.warnf("/extension_properties", "extension", "a toplevel-property-extension should list its extension_properties (STIX 2.1 §7.3)")
	}
}
