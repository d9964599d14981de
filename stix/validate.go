package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// validator holds the bundle-wide state of one Validate call.
type validator struct {
	b       *Bundle
	ids     map[string]struct{}
	extDefs map[string]*Object // latest version of each extension-definition in the bundle
	issues  []Issue
}

// objectCheck is the state of checking one object.
type objectCheck struct {
	v       *validator
	o       *Object
	name    string
	spec    *typeSpec // nil for custom types
	is20    bool
	covered *ExtensionInfo // for custom types: the registered new-object extension, if any
}

// Validate checks a bundle against STIX 2.1 (and STIX 2.0 for objects without
// spec_version, see Object.SpecVersion) and returns every issue found. It
// never fails: problems are issues, errors for breaches of a MUST. Each
// object is judged on its own, so one bad object leaves the rest valid (see
// Report.ObjectValid). The rules and their sources are listed in the package
// documentation and on each check; references to objects not in the bundle
// are warnings ("dangling-ref"), never errors, except that the built-in TLP
// markings (IsBuiltinMarking) are never reported.
func Validate(b *Bundle) Report {
	v := &validator{b: b, ids: make(map[string]struct{}, len(b.Objects)), extDefs: map[string]*Object{}}
	for _, o := range b.Objects {
		if o == nil || o.ID == "" {
			continue
		}
		v.ids[o.ID] = struct{}{}
		if o.Type == "extension-definition" {
			if prev, ok := v.extDefs[o.ID]; !ok || compareVersions(prev, o) <= 0 {
				v.extDefs[o.ID] = o
			}
		}
	}
	v.bundle()
	// Each object is checked on its own (the bundle-wide state, ids and
	// extDefs, is only read), so ranges of objects are checked at once,
	// each into issues of its own, joined in object order.
	chunks := make([][]Issue, (len(b.Objects)+parallelChunk-1)/parallelChunk)
	eachChunk(len(b.Objects), func(lo, hi int) {
		cv := &validator{b: b, ids: v.ids, extDefs: v.extDefs}
		for i := lo; i < hi; i++ {
			o := b.Objects[i]
			if o == nil {
				cv.add(SeverityError, fmt.Sprintf("objects/%d", i), i, "", "not-object", "element %d of objects is nil", i)
				continue
			}
			cv.object(o)
		}
		chunks[lo/parallelChunk] = cv.issues
	})
	for _, c := range chunks {
		v.issues = append(v.issues, c...)
	}
	v.versions()
	slices.SortStableFunc(v.issues, func(a, b Issue) int {
		if a.Index != b.Index {
			return a.Index - b.Index
		}
		if c := strings.Compare(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		if c := strings.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return Report{Issues: v.issues}
}

func (v *validator) add(sev Severity, object string, index int, ptr, code, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	v.issues = append(v.issues, Issue{Severity: sev, Object: object, Index: index, Pointer: ptr, Code: code, Message: msg})
}

// bundle checks the bundle's own properties (STIX 2.1 §8).
func (v *validator) bundle() {
	b := v.b
	bad := func(sev Severity, ptr, code, format string, args ...any) {
		v.add(sev, "bundle", -1, ptr, code, format, args...)
	}
	if b.Bare {
		bad(SeverityWarning, "", "bare-object", "input is a single STIX object, not a bundle; it was taken as a one-object bundle (STIX 2.1 §8)")
		return
	}
	if b.props == nil {
		return // built by hand, not by Parse
	}
	switch t, ok := b.props["type"]; {
	case !ok:
		bad(SeverityError, "/type", "missing-property", "bundle has no type; expected \"bundle\"")
	case t != "bundle":
		bad(SeverityError, "/type", "bundle", "bundle type is %s; expected \"bundle\"", describe(t))
	}
	if id, ok := b.props["id"]; !ok {
		bad(SeverityError, "/id", "missing-property", "bundle has no id; expected bundle--<UUID>")
	} else if s, _ := id.(string); !validIdentifier(s) || typeOfID(s) != "bundle" {
		bad(SeverityError, "/id", "id-format", "bundle id %s is not bundle--<RFC 4122 UUID>", describe(id))
	}
	if sv, ok := b.props["spec_version"]; ok {
		bad(SeverityWarning, "/spec_version", "spec-version", "bundle-level spec_version %s is the STIX 2.0 bundle form; STIX 2.1 bundles have none, and each object is judged by its own spec_version", describe(sv))
	}
	if objs, ok := b.props["objects"]; !ok {
		bad(SeverityWarning, "/objects", "missing-property", "bundle has no objects")
	} else if _, isList := objs.([]any); !isList {
		bad(SeverityError, "/objects", "property-type", "bundle objects is %s; expected a list of STIX objects (STIX 2.1 §8)", jsonType(objs))
	}
	for k := range b.props {
		switch k {
		case "type", "id", "spec_version", "objects":
		default:
			bad(SeverityWarning, "/"+escapePointer(k), "custom-property", "property %q is not defined for bundles (STIX 2.1 §8)", k)
		}
	}
}

func (c *objectCheck) add(sev Severity, ptr, code, format string, args ...any) {
	c.v.add(sev, c.name, c.o.Index, ptr, code, format, args...)
}

func (c *objectCheck) errorf(ptr, code, format string, args ...any) {
	c.add(SeverityError, ptr, code, format, args...)
}

func (c *objectCheck) warnf(ptr, code, format string, args ...any) {
	c.add(SeverityWarning, ptr, code, format, args...)
}

// object checks one object.
func (v *validator) object(o *Object) {
	c := &objectCheck{v: v, o: o, name: objectName(o)}
	if o.notObject {
		c.errorf("", "not-object", "element %d of objects is not a JSON object", o.Index)
		return
	}
	if o.malformed != nil {
		// Not I-JSON (RFC 7493): its canonical form, hence its digest, does
		// not exist, and its properties are not what the sender wrote.
		c.name = faultObjectName(o, c.name)
		c.errorf(o.malformed.pointer, "malformed-json", "%s", o.malformed.message)
		return
	}
	p := o.Props
	// type, STIX 2.1 §3.1.
	rawType, ok := p["type"]
	switch {
	case !ok:
		c.errorf("/type", "missing-property", "object has no type")
		return
	case o.Type == "":
		c.errorf("/type", "type-name", "type is %s; expected a string", describe(rawType))
		return
	}
	if msg := checkTypeName(o.Type); msg != "" {
		c.errorf("/type", "type-name", "type %q: %s (STIX 2.1 §3.1)", o.Type, msg)
		return
	}
	c.spec = specs[o.Type]
	c.is20 = o.SpecVersion == "2.0"

	c.checkSpecVersion()
	c.checkID()

	if c.spec == nil {
		c.checkCustomType()
	}
	allowedTop := c.checkExtensions()
	c.checkRequired()

	for k, val := range p { // issue order does not depend on map order: Validate sorts them
		if c.spec != nil {
			if ps, ok := c.spec.props[k]; ok {
				c.checkValue(ps.ptr, k, val, ps)
				continue
			}
		} else if ps, ok := customCommon[k]; ok {
			c.checkValue(ps.ptr, k, val, ps)
			continue
		}
		ptr := "/" + escapePointer(k)
		if msg := checkPropertyName(k); msg != "" {
			c.errorf(ptr, "property-name", "property name %q: %s (STIX 2.1 §3.1, §11.1)", k, msg)
			continue
		}
		if reservedSDO[k] && (c.spec == nil || c.spec.kind == kindSDO || c.spec.kind == kindSRO) {
			c.errorf(ptr, "reserved-property", "property name %q is reserved by STIX 2.1 and must not be used", k)
			continue
		}
		switch {
		case c.spec == nil:
			c.checkCustomTypeProperty(ptr, k, val)
		case strings.HasPrefix(k, "x_"):
		case allowedTop[k]:
		default:
			c.warnf(ptr, "custom-property", "property %q is not defined by STIX 2.1 for %s; use an extension-definition (STIX 2.1 §7.3) or an x_ prefix", k, o.Type)
		}
	}

	if c.covered != nil && len(c.covered.Numbers) > 0 {
		c.checkNumbers("", p, c.covered.Numbers)
	}
	c.checkTimestampOrder()
	c.checkRefs()
	c.checkTypeRules()
}

// sortedKeys returns the keys of m in order, so that checks run in a stable
// order (the report is sorted anyway).
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// customCommon is what a custom object type may use of the common
// properties of SDOs and SCOs (STIX 2.1 §3.2, §6.1, §11).
var customCommon = func() map[string]propSpec {
	m := map[string]propSpec{}
	for _, f := range strings.Fields(commonSDO + " " + commonSCO) {
		name, p := parsePropSpec(f)
		m[name] = p
	}
	return m
}()

// checkSpecVersion applies STIX 2.1 §3.2 (spec_version) and the 2.0 default.
func (c *objectCheck) checkSpecVersion() {
	o := c.o
	if o.SpecVersionDeclared {
		if o.SpecVersion != "2.0" && o.SpecVersion != "2.1" {
			c.errorf("/spec_version", "spec-version", "spec_version %s is not supported; expected \"2.1\" (or \"2.0\")", describe(o.Props["spec_version"]))
		}
		if o.SpecVersion == "2.0" && c.spec != nil && !c.spec.in20 {
			c.errorf("/spec_version", "spec-version", "type %s does not exist in STIX 2.0", o.Type)
		}
		return
	}
	k := kindOf(o.Type)
	switch {
	case k == kindSDO || k == kindSRO || o.Type == "marking-definition":
		if !c.spec.in20 {
			c.errorf("/spec_version", "spec-version", "no spec_version: the object would be STIX 2.0, but type %s only exists in STIX 2.1, where spec_version is required (STIX 2.1 §3.2)", o.Type)
			c.is20 = false // the rest is judged as the STIX 2.1 object it can only be
			return
		}
		c.warnf("/spec_version", "spec-version", "no spec_version: handled as STIX 2.0 (STIX 2.1 §3.2 requires spec_version on 2.1 %ss)", kindName(k))
	case k == kindMeta:
		c.errorf("/spec_version", "missing-property", "%s requires spec_version (STIX 2.1 §7)", o.Type)
	}
}

// specName is the STIX version the object is judged by: "2.0" or "2.1".
func (c *objectCheck) specName() string {
	if c.is20 {
		return "2.0"
	}
	return "2.1"
}

func kindName(k kind) string {
	switch k {
	case kindSDO:
		return "SDO"
	case kindSRO:
		return "SRO"
	case kindSCO:
		return "SCO"
	case kindMeta:
		return "meta object"
	}
	return "custom object"
}

// checkID applies STIX 2.1 §2.9 (identifier).
func (c *objectCheck) checkID() {
	o := c.o
	raw, ok := o.Props["id"]
	if !ok {
		c.errorf("/id", "missing-property", "object has no id; expected %s--<UUID>", o.Type)
		return
	}
	if o.ID == "" {
		c.errorf("/id", "id-format", "id is %s; expected the string %s--<UUID>", describe(raw), o.Type)
		return
	}
	typ, uuid, found := strings.Cut(o.ID, "--")
	if !found {
		c.errorf("/id", "id-format", "id %q is not of the form %s--<UUID> (STIX 2.1 §2.9)", o.ID, o.Type)
		return
	}
	if typ != o.Type {
		c.errorf("/id", "id-format", "id prefix %q does not match the object type %q (STIX 2.1 §2.9)", typ, o.Type)
	}
	msg, ver, upper := checkUUID(uuid)
	if msg != "" {
		c.errorf("/id", "id-format", "id %q: %s (STIX 2.1 §2.9, RFC 4122)", o.ID, msg)
		return
	}
	if upper {
		c.warnf("/id", "id-format", "id %q: the UUID should be lowercase hex (RFC 4122 §3)", o.ID)
	}
	switch kindOf(o.Type) {
	case kindSCO:
		if ver != 5 {
			c.add(SeverityInfo, "/id", "id-format", "SCO id %q is a UUIDv%d; STIX 2.1 §2.9 recommends a deterministic UUIDv5", o.ID, ver)
		}
	default:
		if ver != 4 {
			c.warnf("/id", "id-format", "id %q is a UUIDv%d; STIX 2.1 §2.9 says SDOs, SROs and meta objects should use UUIDv4", o.ID, ver)
		}
	}
}

// checkRequired applies the required properties of STIX 2.1 (or 2.0 for
// objects handled as 2.0).
func (c *objectCheck) checkRequired() {
	o := c.o
	var req []string
	switch k := kindOf(o.Type); {
	case k == kindSDO || k == kindSRO:
		req = []string{"created", "modified"}
	case o.Type == "marking-definition":
		req = []string{"created"}
	case k == kindMeta:
		req = []string{"created", "modified"}
	case k == kindCustom && c.customIsSDOLike():
		req = []string{"created", "modified"}
		if !o.SpecVersionDeclared {
			c.errorf("/spec_version", "missing-property", "custom object type %s defined by a new-sdo/new-sro extension requires spec_version (STIX 2.1 §3.2)", o.Type)
		}
	}
	if c.spec != nil {
		if c.is20 {
			req = append(req, c.spec.req20...)
		} else {
			req = append(req, c.spec.required...)
		}
	}
	for _, r := range req {
		if _, ok := o.Props[r]; !ok {
			c.errorf("/"+r, "missing-property", "%s requires %s (STIX %s)", o.Type, r, c.specName())
		}
	}
}

// customIsSDOLike reports whether a custom object is declared as a new SDO
// or SRO by its extensions (or by a registered extension).
func (c *objectCheck) customIsSDOLike() bool {
	if c.covered != nil {
		return slices.Contains(c.covered.Types, ExtNewSDO) || slices.Contains(c.covered.Types, ExtNewSRO)
	}
	for _, e := range c.o.Map("extensions") {
		if m, ok := e.(map[string]any); ok {
			if t := m["extension_type"]; t == ExtNewSDO || t == ExtNewSRO {
				return true
			}
		}
	}
	return false
}

// checkCustomType applies STIX 2.1 §11.2 (custom objects) and §7.3 (new
// object types defined by extension-definitions).
func (c *objectCheck) checkCustomType() {
	o := c.o
	for _, id := range KnownExtensions() { // sorted, so the choice is stable
		d, _ := KnownExtension(id)
		if slices.ContainsFunc(d.Types, isNewObjectType) && slices.Contains(d.ObjectTypes, o.Type) {
			c.covered = &d
			break
		}
	}
	if c.covered != nil {
		return
	}
	for k, e := range c.o.Map("extensions") {
		m, _ := e.(map[string]any)
		t, _ := m["extension_type"].(string)
		if isNewObjectType(t) {
			return
		}
		if info, ok := c.v.extensionInfo(k); ok && slices.ContainsFunc(info.Types, isNewObjectType) {
			return
		}
	}
	c.warnf("/type", "custom-object", "type %q is not defined by STIX 2.1 and no new-sdo, new-sco or new-sro extension-definition covers it (STIX 2.1 §7.3)", o.Type)
}

// checkCustomTypeProperty checks a property of a custom-type object that is
// not a common property.
func (c *objectCheck) checkCustomTypeProperty(ptr, k string, val any) {
	d := c.covered
	if d == nil {
		return
	}
	if d.Properties != nil && !slices.Contains(d.Properties, k) {
		c.warnf(ptr, "custom-property", "property %q is not defined by extension %s for %s", k, d.ID, c.o.Type)
	}
	c.checkExtValue(ptr, k, val, d)
}

// checkExtValue applies an extension's timestamp, vocabulary and range rules
// to one property value.
func (c *objectCheck) checkExtValue(ptr, k string, val any, d *ExtensionInfo) {
	if slices.Contains(d.Timestamps, k) {
		c.checkValue(ptr, k, val, propSpec{kind: vTimestamp})
	}
	if vals, ok := d.Closed[k]; ok {
		c.checkValue(ptr, k, val, propSpec{kind: vEnum, values: vals})
	}
	if r, ok := d.Ranges[k]; ok {
		c.checkValue(ptr, k, val, propSpec{kind: vInt, min: r[0], max: r[1], hasRange: true})
	}
}

// checkExtensions applies STIX 2.1 §7.3 to the object's "extensions" and
// returns the top-level property names that toplevel-property-extensions
// make legitimate on this object.
func (c *objectCheck) checkExtensions() map[string]bool {
	raw, ok := c.o.Props["extensions"]
	if !ok {
		return nil
	}
	exts, ok := raw.(map[string]any)
	if !ok {
		c.errorf("/extensions", "extension", "extensions is %s; expected a dictionary", jsonType(raw))
		return nil
	}
	var allowed map[string]bool
	for _, k := range sortedKeys(exts) {
		ptr := "/extensions/" + escapePointer(k)
		m, ok := exts[k].(map[string]any)
		if !ok {
			c.errorf(ptr, "extension", "extension %q is %s; expected a dictionary", k, describe(exts[k]))
			continue
		}
		if !strings.HasPrefix(k, "extension-definition--") {
			c.checkNamedExtension(ptr, k)
			continue
		}
		if !validIdentifier(k) {
			c.errorf(ptr, "extension", "extension key %q is not an extension-definition identifier (STIX 2.1 §7.3)", k)
			continue
		}
		et, hasET := m["extension_type"].(string)
		if _, present := m["extension_type"]; present && !slices.Contains(extensionTypes, et) {
			c.errorf(ptr+"/extension_type", "extension-type", "extension_type %s is not one of %s (STIX 2.1 §7.3, extension-type-enum)", describe(m["extension_type"]), strings.Join(extensionTypes, ", "))
			hasET = false
		}
		info, known := c.v.extensionInfo(k)
		if !known {
			c.add(SeverityInfo, ptr, "external-ref", "extension-definition %s is neither in the bundle nor known; its properties are not checked", k)
		} else if hasET && len(info.Types) > 0 && !slices.Contains(info.Types, et) {
			c.warnf(ptr+"/extension_type", "extension-type", "extension_type %q is not among the extension_types %v of %s", et, info.Types, k)
		}
		if !hasET && !(known && slices.ContainsFunc(info.Types, isNewObjectType) && c.spec == nil) {
			c.warnf(ptr, "extension-type", "extension %s has no extension_type (STIX 2.1 §7.3)", k)
		}
		if et == ExtToplevelProperty || (!hasET && known && slices.Equal(info.Types, []string{ExtToplevelProperty})) {
			if allowed == nil {
				allowed = map[string]bool{}
			}
			for _, p := range info.Properties {
				allowed[p] = true
			}
			for _, name := range sortedKeys(m) {
				if name != "extension_type" {
					c.warnf(ptr+"/"+escapePointer(name), "extension", "a toplevel-property-extension entry holds only extension_type; %q belongs at the top level", name)
				}
			}
			continue
		}
		if isNewObjectType(et) {
			continue
		}
		var d *ExtensionInfo
		if known && slices.Contains(info.Types, ExtProperty) {
			d = &info
			if len(d.ObjectTypes) > 0 && !slices.Contains(d.ObjectTypes, c.o.Type) {
				c.warnf(ptr, "extension", "extension %s (%s) is not meant for %s objects", k, d.Name, c.o.Type)
			}
		}
		for _, name := range sortedKeys(m) {
			if name == "extension_type" {
				continue
			}
			pptr := ptr + "/" + escapePointer(name)
			if msg := checkPropertyName(name); msg != "" {
				c.errorf(pptr, "property-name", "extension property name %q: %s (STIX 2.1 §7.3)", name, msg)
				continue
			}
			if d == nil {
				continue
			}
			if d.Properties != nil && !slices.Contains(d.Properties, name) {
				c.warnf(pptr, "custom-property", "property %q is not defined by extension %s", name, d.Name)
			}
			c.checkExtValue(pptr, name, m[name], d)
		}
		if d != nil {
			for _, name := range d.Required {
				if _, ok := m[name]; !ok {
					c.errorf(ptr+"/"+escapePointer(name), "missing-property", "extension %s (%s) lacks its required property %q", k, d.Name, name)
				}
			}
		}
		if d != nil && len(d.Numbers) > 0 {
			c.checkNumbers(ptr, m, d.Numbers)
		}
	}
	return allowed
}

// checkNamedExtension checks an "extensions" key that is not an
// extension-definition id: a predefined SCO extension (STIX 2.1 §6), a
// sub-extension of a registered new object type, or a deprecated custom
// extension.
func (c *objectCheck) checkNamedExtension(ptr, k string) {
	if typ, ok := predefinedSCOExtensions[k]; ok {
		if typ != c.o.Type {
			c.warnf(ptr, "extension", "predefined extension %q belongs to %s objects, not %s (STIX 2.1 §6)", k, typ, c.o.Type)
		}
		return
	}
	if c.covered != nil && slices.Contains(c.covered.SubExtensions, k) {
		return
	}
	if c.spec == nil && c.covered == nil {
		// custom type with bundle-defined extension: sub-extensions unknown
		c.warnf(ptr, "extension", "extension key %q is neither an extension-definition id nor predefined by STIX 2.1", k)
		return
	}
	c.warnf(ptr, "extension", "extension key %q is neither an extension-definition id nor predefined by STIX 2.1 (custom extensions are deprecated, STIX 2.1 §11.3)", k)
}

// describe renders a JSON value for a message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		return "a dictionary"
	}
	return fmt.Sprintf("%v", v)
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a dictionary"
	}
	return fmt.Sprintf("%T", v)
}

// checkValue checks the shape of one property value against its spec.
func (c *objectCheck) checkValue(ptr, name string, val any, ps propSpec) {
	wrong := func(want string) {
		c.errorf(ptr, "property-type", "%s is %s; expected %s", name, jsonType(val), want)
	}
	switch ps.kind {
	case vString:
		if _, ok := val.(string); !ok {
			wrong("a string")
		}
	case vTimestamp:
		c.checkTimestamp(ptr, name, val)
	case vRef:
		if _, ok := val.(string); !ok {
			wrong("an identifier string")
		}
	case vRefs, vStrings, vEnums:
		l, ok := val.([]any)
		if !ok {
			wrong("a list of strings")
			return
		}
		if len(l) == 0 {
			c.errorf(ptr, "empty-list", "%s is an empty list; omit it instead (STIX 2.1 §3.2)", name)
		}
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				c.errorf(ptr+"/"+strconv.Itoa(i), "property-type", "%s[%d] is %s; expected a string", name, i, jsonType(e))
				continue
			}
			if ps.kind == vEnums && !slices.Contains(ps.values, s) {
				c.errorf(ptr+"/"+strconv.Itoa(i), "vocabulary", "%s value %q is not one of %s (closed vocabulary)", name, s, strings.Join(ps.values, ", "))
			}
		}
	case vEnum:
		s, ok := val.(string)
		if !ok {
			wrong("a string")
			return
		}
		if !slices.Contains(ps.values, s) {
			c.errorf(ptr, "vocabulary", "%s %q is not one of %s (closed vocabulary)", name, s, strings.Join(ps.values, ", "))
		}
	case vInt:
		// STIX 2.1 §2.10: a whole number within ±(2^53−1), judged by its
		// IEEE 754 double value (RFC 8785); narrower where the spec says.
		i, p := integer(val)
		switch p {
		case numNotNumber:
			wrong("an integer")
			return
		case numNotInteger:
			c.errorf(ptr, "property-type", "%s %s is not a whole number; expected an integer", name, shorten(describe(val)))
			return
		case numRange:
			c.errorf(ptr, "range", "%s %s is outside the range of a STIX integer, ±(2^53−1) (STIX 2.1 §2.10)", name, shorten(describe(val)))
			return
		}
		if ps.hasRange && (i < ps.min || i > ps.max) {
			c.errorf(ptr, "range", "%s %s is outside %d–%d", name, describe(val), ps.min, min(ps.max, MaxInteger))
		}
	case vNumber:
		if _, p := float(val); p != numOK {
			wrong("a number")
		}
	case vBool:
		if _, ok := val.(bool); !ok {
			wrong("a boolean")
		}
	case vDict, vHashes:
		m, ok := val.(map[string]any)
		if !ok {
			wrong("a dictionary")
			return
		}
		if len(m) == 0 {
			c.errorf(ptr, "empty-dictionary", "%s is an empty dictionary; omit it instead", name)
		}
		if ps.kind == vHashes {
			for _, k := range sortedKeys(m) {
				if _, ok := m[k].(string); !ok {
					c.errorf(ptr+"/"+escapePointer(k), "property-type", "hash %q is %s; expected a string", k, jsonType(m[k]))
				}
			}
		}
	case vList:
		l, ok := val.([]any)
		if !ok {
			wrong("a list")
			return
		}
		if len(l) == 0 {
			c.errorf(ptr, "empty-list", "%s is an empty list; omit it instead (STIX 2.1 §3.2)", name)
		}
	case vKillChain:
		c.checkList(ptr, name, val, func(p string, m map[string]any) {
			for _, f := range []string{"kill_chain_name", "phase_name"} {
				if s, ok := m[f].(string); !ok || s == "" {
					c.errorf(p+"/"+f, "missing-property", "kill chain phase needs a %s string (STIX 2.1 §2.8)", f)
				}
			}
		})
	case vExtRefs:
		c.checkList(ptr, name, val, func(p string, m map[string]any) {
			if s, ok := m["source_name"].(string); !ok || s == "" {
				c.errorf(p+"/source_name", "missing-property", "external reference needs a source_name string (STIX 2.1 §2.5)")
			}
			if m["description"] == nil && m["url"] == nil && m["external_id"] == nil {
				c.errorf(p, "missing-property", "external reference needs one of description, url or external_id (STIX 2.1 §2.5)")
			}
			for _, f := range []string{"source_name", "description", "url", "external_id"} {
				if x, ok := m[f]; ok {
					if _, ok := x.(string); !ok {
						c.errorf(p+"/"+f, "property-type", "%s is %s; expected a string", f, jsonType(x))
					}
				}
			}
			if h, ok := m["hashes"]; ok {
				c.checkValue(p+"/hashes", "hashes", h, propSpec{kind: vHashes})
			}
		})
	case vMarkings:
		c.checkList(ptr, name, val, func(p string, m map[string]any) { c.checkGranularMarking(p, m) })
	}
}

// checkList checks a non-empty list of dictionaries, calling each for every
// element.
func (c *objectCheck) checkList(ptr, name string, val any, each func(ptr string, m map[string]any)) {
	l, ok := val.([]any)
	if !ok {
		c.errorf(ptr, "property-type", "%s is %s; expected a list", name, jsonType(val))
		return
	}
	if len(l) == 0 {
		c.errorf(ptr, "empty-list", "%s is an empty list; omit it instead (STIX 2.1 §3.2)", name)
	}
	for i, e := range l {
		p := ptr + "/" + strconv.Itoa(i)
		m, ok := e.(map[string]any)
		if !ok {
			c.errorf(p, "property-type", "%s[%d] is %s; expected a dictionary", name, i, jsonType(e))
			continue
		}
		each(p, m)
	}
}

// checkTimestamp applies STIX 2.1 §2.15 to one timestamp property, and
// §3.2's millisecond precision to created and modified.
func (c *objectCheck) checkTimestamp(ptr, name string, val any) {
	s, ok := val.(string)
	if !ok {
		c.errorf(ptr, "timestamp-format", "%s is %s; expected a timestamp string", name, jsonType(val))
		return
	}
	if msg := checkTimestamp(s); msg != "" {
		c.errorf(ptr, "timestamp-format", "%s %q: %s (STIX 2.1 §2.15)", name, s, msg)
		return
	}
	if (name == "created" || name == "modified") && ptr == "/"+name {
		if n := (Timestamp{Raw: s}).FractionDigits(); n < 3 {
			c.errorf(ptr, "timestamp-precision", "%s %q has %d fractional digits; created and modified must be precise to the millisecond, at least 3 digits (STIX 2.1 §3.2)", name, s, n)
		}
	}
}

// orderedPairs are the properties STIX 2.1 orders: later must not precede
// earlier (or, when strict, must follow it).
var orderedPairs = []struct {
	earlier, later string
	strict         bool
	source         string
}{
	{"created", "modified", false, "§3.2"},
	{"valid_from", "valid_until", true, "§4.7"},
	{"first_seen", "last_seen", false, "§4"},
	{"first_observed", "last_observed", false, "§4.13"},
	{"start_time", "stop_time", true, "§5.1"},
	{"start_time", "end_time", false, "Incident Core Extension"},
	{"start", "end", false, "§6.12"},
	{"analysis_started", "analysis_ended", false, "§4.11"},
	{"validity_not_before", "validity_not_after", false, "§6.18"},
}

// checkTimestampOrder compares ordered timestamps as instants.
func (c *objectCheck) checkTimestampOrder() {
	for _, pr := range orderedPairs {
		if _, ok := c.o.Props[pr.later].(string); !ok {
			continue // most pairs are absent: nothing to parse
		}
		var a, b *Timestamp
		if pr.earlier == "created" {
			a, b = c.o.Created, c.o.Modified // parsed once, by newObject
		} else {
			a, b = timestampProp(c.o.Props, pr.earlier), timestampProp(c.o.Props, pr.later)
		}
		if a == nil || b == nil {
			continue
		}
		cmp := b.Compare(*a)
		switch {
		case cmp < 0:
			c.errorf("/"+pr.later, "timestamp-order", "%s %s is earlier than %s %s (STIX 2.1 %s; compared as instants)", pr.later, b.Raw, pr.earlier, a.Raw, pr.source)
		case cmp == 0 && pr.strict:
			c.errorf("/"+pr.later, "timestamp-order", "%s %s must be later than %s %s (STIX 2.1 %s)", pr.later, b.Raw, pr.earlier, a.Raw, pr.source)
		}
	}
}

// checkRefs applies STIX 2.1 §2.9 to every reference and reports targets
// outside the bundle.
func (c *objectCheck) checkRefs() {
	walkRefs(c.o.Props, "", c.o.Type == "observed-data", func(r Ref) {
		if !validIdentifier(r.ID) {
			c.errorf(r.Pointer, "ref-format", "reference %q is not an identifier <type>--<RFC 4122 UUID> (STIX 2.1 §2.9)", r.ID)
			return
		}
		target := typeOfID(r.ID)
		if c.spec != nil {
			top, _, _ := strings.Cut(r.Pointer[1:], "/")
			if ps, ok := c.spec.props[top]; ok && ps.targets != nil && !slices.Contains(ps.targets, target) {
				c.errorf(r.Pointer, "ref-type", "reference %q points to a %s; expected %s", r.ID, target, strings.Join(ps.targets, " or "))
			}
		}
		if _, ok := c.v.ids[r.ID]; ok || IsBuiltinMarking(r.ID) {
			return
		}
		c.warnf(r.Pointer, "dangling-ref", "referenced object %s is not in the bundle (legal in STIX, but it cannot be checked here)", r.ID)
	})
}

// checkGranularMarking applies STIX 2.1 §7.2.3 to one granular marking.
func (c *objectCheck) checkGranularMarking(ptr string, m map[string]any) {
	_, hasRef := m["marking_ref"]
	_, hasLang := m["lang"]
	if hasRef == hasLang {
		c.errorf(ptr, "granular-marking", "a granular marking needs exactly one of marking_ref and lang (STIX 2.1 §7.2.3)")
	}
	if hasRef {
		if s, ok := m["marking_ref"].(string); !ok {
			c.errorf(ptr+"/marking_ref", "property-type", "marking_ref is %s; expected an identifier", jsonType(m["marking_ref"]))
		} else if validIdentifier(s) && typeOfID(s) != "marking-definition" {
			c.errorf(ptr+"/marking_ref", "ref-type", "marking_ref %q is not a marking-definition", s)
		}
	}
	sel, ok := m["selectors"].([]any)
	if !ok || len(sel) == 0 {
		c.errorf(ptr+"/selectors", "granular-marking", "a granular marking needs a non-empty selectors list (STIX 2.1 §7.2.3)")
		return
	}
	for i, s := range sel {
		p := ptr + "/selectors/" + strconv.Itoa(i)
		str, ok := s.(string)
		if !ok {
			c.errorf(p, "property-type", "selector is %s; expected a string", jsonType(s))
			continue
		}
		if !resolveSelector(c.o.Props, str) {
			c.errorf(p, "granular-marking", "selector %q does not resolve to a property of this object (STIX 2.1 §7.2.3.1)", str)
		}
	}
}

// resolveSelector follows a granular-marking selector such as
// "external_references.[0].url" (STIX 2.1 §7.2.3.1).
func resolveSelector(props map[string]any, sel string) bool {
	if sel == "" {
		return false
	}
	var cur any = props
	for _, tok := range strings.Split(sel, ".") {
		if strings.HasPrefix(tok, "[") && strings.HasSuffix(tok, "]") {
			l, ok := cur.([]any)
			i, okIdx := arrayIndex(tok[1 : len(tok)-1])
			if !ok || !okIdx || i >= len(l) {
				return false
			}
			cur = l[i]
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[tok]; !ok {
			return false
		}
	}
	return true
}

// versions applies STIX 2.1 §3.6 across the bundle: several versions of one
// id are fine; one version twice is a warning if identical and an error if
// the content differs.
func (v *validator) versions() {
	first := make(map[string]int, len(v.b.Objects))
	var groups map[string][]*Object
	for i, o := range v.b.Objects {
		if o == nil || o.ID == "" || o.notObject || o.malformed != nil {
			continue
		}
		if j, ok := first[o.ID]; ok {
			if groups == nil {
				groups = map[string][]*Object{}
			}
			if groups[o.ID] == nil {
				groups[o.ID] = []*Object{v.b.Objects[j]}
			}
			groups[o.ID] = append(groups[o.ID], o)
			continue
		}
		first[o.ID] = i
	}
	for _, id := range slices.Sorted(maps.Keys(groups)) {
		g := groups[id]
		for i := 1; i < len(g); i++ {
			for j := 0; j < i; j++ {
				if compareVersions(g[i], g[j]) != 0 {
					continue
				}
				v.sameVersion(g[j], g[i])
				break
			}
		}
	}
}

// sameVersion reports a second copy b of the version a.
func (v *validator) sameVersion(a, b *Object) {
	ver := b.Version()
	if ver == "" {
		ver = "(unversioned)"
	}
	ca, errA := Canonical(a)
	cb, errB := Canonical(b)
	if errA == nil && errB == nil && bytes.Equal(ca, cb) {
		v.add(SeverityWarning, b.ID, b.Index, "", "duplicate-object", "%s version %s appears again (identical to objects/%d)", b.ID, ver, a.Index)
		return
	}
	v.add(SeverityError, b.ID, b.Index, versionPointer(b), "duplicate-version", "%s version %s appears twice with different content (objects/%d and objects/%d); a version is identified by (id, modified) (STIX 2.1 §3.6)", b.ID, ver, a.Index, b.Index)
}

// versionPointer names the property that identifies an object's version:
// /modified, else /created, else the object itself.
func versionPointer(o *Object) string {
	switch {
	case o.Modified != nil:
		return "/modified"
	case o.Created != nil:
		return "/created"
	}
	return ""
}
