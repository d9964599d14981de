package stix

import (
	"strconv"
	"strings"
)

// kind is the category of a STIX object type (STIX 2.1 §2–§7).
type kind uint8

const (
	kindCustom kind = iota // a type STIX 2.1 does not define
	kindSDO
	kindSRO
	kindSCO
	kindMeta // marking-definition, language-content, extension-definition
)

// valueKind is the JSON shape a property must have.
type valueKind uint8

const (
	vAny       valueKind = iota
	vString              // s
	vTimestamp           // t
	vRef                 // r[=type|type]
	vRefs                // rs[=type|type]
	vStrings             // ls
	vInt                 // i[=min..max]
	vNumber              // f
	vBool                // b
	vDict                // d
	vList                // l (list of anything)
	vEnum                // e=a|b (closed vocabulary)
	vEnums               // le=a|b (list from a closed vocabulary)
	vKillChain           // kc
	vExtRefs             // er
	vMarkings            // gm
	vHashes              // h
)

// propSpec is what STIX 2.1 says about one property of one type.
type propSpec struct {
	kind     valueKind
	targets  []string // vRef/vRefs: allowed target types (nil: any)
	values   []string // vEnum/vEnums: the closed vocabulary
	min, max int64    // vInt range (when hasRange)
	hasRange bool
	ptr      string // "/name": the JSON pointer of a top-level property
}

// typeSpec is what STIX 2.1 says about one object type.
type typeSpec struct {
	kind     kind
	in20     bool                // the type exists in STIX 2.0
	props    map[string]propSpec // every property the spec defines, common ones included
	required []string            // required in STIX 2.1 beyond the common ones
	req20    []string            // required in STIX 2.0 beyond the common ones
}

// Common properties (STIX 2.1 §3.2 for SDOs/SROs, §6.1 for SCOs, §7.2 for
// marking-definitions, §7.1 language-content, §7.3 extension-definition).
const (
	commonSDO = "type:s spec_version:s id:s created_by_ref:r=identity created:t modified:t revoked:b labels:ls confidence:i=0..100 lang:s external_references:er object_marking_refs:rs=marking-definition granular_markings:gm extensions:d"
	commonSCO = "type:s spec_version:s id:s object_marking_refs:rs=marking-definition granular_markings:gm defanged:b extensions:d"
)

var specSource = []struct {
	typ        string
	kind       kind
	in20       bool
	req, req20 string
	props      string
}{
	// SDOs, STIX 2.1 §4.
	{"attack-pattern", kindSDO, true, "name", "name", "name:s description:s aliases:ls kill_chain_phases:kc"},
	{"campaign", kindSDO, true, "name", "name", "name:s description:s aliases:ls first_seen:t last_seen:t objective:s"},
	{"course-of-action", kindSDO, true, "name", "name", "name:s description:s"},
	{"grouping", kindSDO, false, "context object_refs", "", "name:s description:s context:s object_refs:rs"},
	{"identity", kindSDO, true, "name", "name identity_class", "name:s description:s roles:ls identity_class:s sectors:ls contact_information:s"},
	{"incident", kindSDO, false, "name", "", "name:s description:s kill_chain_phases:kc"},
	{"indicator", kindSDO, true, "pattern pattern_type valid_from", "labels pattern valid_from", "name:s description:s indicator_types:ls pattern:s pattern_type:s pattern_version:s valid_from:t valid_until:t kill_chain_phases:kc"},
	{"infrastructure", kindSDO, false, "name", "", "name:s description:s infrastructure_types:ls aliases:ls kill_chain_phases:kc first_seen:t last_seen:t"},
	{"intrusion-set", kindSDO, true, "name", "name", "name:s description:s aliases:ls first_seen:t last_seen:t goals:ls resource_level:s primary_motivation:s secondary_motivations:ls"},
	{"location", kindSDO, false, "", "", "name:s description:s latitude:f longitude:f precision:f region:s country:s administrative_area:s city:s street_address:s postal_code:s"},
	{"malware", kindSDO, true, "is_family", "name labels", "name:s description:s malware_types:ls is_family:b aliases:ls kill_chain_phases:kc first_seen:t last_seen:t operating_system_refs:rs=software architecture_execution_envs:ls implementation_languages:ls capabilities:ls sample_refs:rs=file|artifact"},
	{"malware-analysis", kindSDO, false, "product", "", "product:s version:s host_vm_ref:r=software operating_system_ref:r=software installed_software_refs:rs=software configuration_version:s modules:ls analysis_engine_version:s analysis_definition_version:s submitted:t analysis_started:t analysis_ended:t result_name:s result:s analysis_sco_refs:rs sample_ref:r=file|artifact|network-traffic"},
	{"note", kindSDO, false, "content object_refs", "", "abstract:s content:s authors:ls object_refs:rs"},
	{"observed-data", kindSDO, true, "first_observed last_observed number_observed", "first_observed last_observed number_observed objects", "first_observed:t last_observed:t number_observed:i=1..999999999 objects:d object_refs:rs"},
	{"opinion", kindSDO, false, "opinion object_refs", "", "explanation:s authors:ls opinion:e=strongly-disagree|disagree|neutral|agree|strongly-agree object_refs:rs"},
	{"report", kindSDO, true, "name published object_refs", "name labels published object_refs", "name:s description:s report_types:ls published:t object_refs:rs"},
	{"threat-actor", kindSDO, true, "name", "name labels", "name:s description:s threat_actor_types:ls aliases:ls first_seen:t last_seen:t roles:ls goals:ls sophistication:s resource_level:s primary_motivation:s secondary_motivations:ls personal_motivations:ls"},
	{"tool", kindSDO, true, "name", "name labels", "name:s description:s tool_types:ls aliases:ls kill_chain_phases:kc tool_version:s"},
	{"vulnerability", kindSDO, true, "name", "name", "name:s description:s"},

	// SROs, STIX 2.1 §5.
	{"relationship", kindSRO, true, "relationship_type source_ref target_ref", "relationship_type source_ref target_ref", "relationship_type:s description:s source_ref:r target_ref:r start_time:t stop_time:t"},
	{"sighting", kindSRO, true, "sighting_of_ref", "sighting_of_ref", "description:s first_seen:t last_seen:t count:i=0..999999999 sighting_of_ref:r observed_data_refs:rs=observed-data where_sighted_refs:rs=identity|location summary:b"},

	// SCOs, STIX 2.1 §6.
	{"artifact", kindSCO, false, "", "", "mime_type:s payload_bin:s url:s hashes:h encryption_algorithm:e=AES-256-GCM|ChaCha20-Poly1305|mime-type-indicated decryption_key:s"},
	{"autonomous-system", kindSCO, false, "number", "", "number:i name:s rir:s"},
	{"directory", kindSCO, false, "path", "", "path:s path_enc:s ctime:t mtime:t atime:t contains_refs:rs=file|directory"},
	{"domain-name", kindSCO, false, "value", "", "value:s resolves_to_refs:rs=ipv4-addr|ipv6-addr|domain-name"},
	{"email-addr", kindSCO, false, "value", "", "value:s display_name:s belongs_to_ref:r=user-account"},
	{"email-message", kindSCO, false, "is_multipart", "", "is_multipart:b date:t content_type:s from_ref:r=email-addr sender_ref:r=email-addr to_refs:rs=email-addr cc_refs:rs=email-addr bcc_refs:rs=email-addr message_id:s subject:s received_lines:ls additional_header_fields:d body:s body_multipart:l raw_email_ref:r=artifact"},
	{"file", kindSCO, false, "", "", "hashes:h size:i=0..9223372036854775807 name:s name_enc:s magic_number_hex:s mime_type:s ctime:t mtime:t atime:t parent_directory_ref:r=directory contains_refs:rs content_ref:r=artifact"},
	{"ipv4-addr", kindSCO, false, "value", "", "value:s resolves_to_refs:rs=mac-addr belongs_to_refs:rs=autonomous-system"},
	{"ipv6-addr", kindSCO, false, "value", "", "value:s resolves_to_refs:rs=mac-addr belongs_to_refs:rs=autonomous-system"},
	{"mac-addr", kindSCO, false, "value", "", "value:s"},
	{"mutex", kindSCO, false, "name", "", "name:s"},
	{"network-traffic", kindSCO, false, "protocols", "", "start:t end:t is_active:b src_ref:r=ipv4-addr|ipv6-addr|mac-addr|domain-name dst_ref:r=ipv4-addr|ipv6-addr|mac-addr|domain-name src_port:i=0..65535 dst_port:i=0..65535 protocols:ls src_byte_count:i=0..9223372036854775807 dst_byte_count:i=0..9223372036854775807 src_packets:i=0..9223372036854775807 dst_packets:i=0..9223372036854775807 ipfix:d src_payload_ref:r=artifact dst_payload_ref:r=artifact encapsulates_refs:rs=network-traffic encapsulated_by_ref:r=network-traffic"},
	{"process", kindSCO, false, "", "", "is_hidden:b pid:i created_time:t cwd:s command_line:s environment_variables:d opened_connection_refs:rs=network-traffic creator_user_ref:r=user-account image_ref:r=file parent_ref:r=process child_refs:rs=process"},
	{"software", kindSCO, false, "name", "", "name:s cpe:s swid:s languages:ls vendor:s version:s"},
	{"url", kindSCO, false, "value", "", "value:s"},
	{"user-account", kindSCO, false, "", "", "user_id:s credential:s account_login:s account_type:s display_name:s is_service_account:b is_privileged:b can_escalate_privs:b is_disabled:b account_created:t account_expires:t credential_last_changed:t account_first_login:t account_last_login:t"},
	{"windows-registry-key", kindSCO, false, "", "", "key:s values:l modified_time:t creator_user_ref:r=user-account number_of_subkeys:i"},
	{"x509-certificate", kindSCO, false, "", "", "is_self_signed:b hashes:h version:s serial_number:s signature_algorithm:s issuer:s validity_not_before:t validity_not_after:t subject:s subject_public_key_algorithm:s subject_public_key_modulus:s subject_public_key_exponent:i x509_v3_extensions:d"},

	// Meta objects, STIX 2.1 §7.
	{"language-content", kindMeta, false, "object_ref contents", "", "object_ref:r object_modified:t contents:d"},
	{"marking-definition", kindMeta, true, "", "definition_type definition", "name:s definition_type:s definition:d"},
	{"extension-definition", kindMeta, false, "created_by_ref name schema version extension_types", "", "name:s description:s schema:s version:s extension_types:le=new-sdo|new-sco|new-sro|property-extension|toplevel-property-extension extension_properties:ls"},
}

var specs = map[string]*typeSpec{}

func init() {
	for _, s := range specSource {
		ts := &typeSpec{kind: s.kind, in20: s.in20, props: map[string]propSpec{},
			required: strings.Fields(s.req), req20: strings.Fields(s.req20)}
		common := commonSDO
		switch {
		case s.kind == kindSCO:
			common = commonSCO
		case s.typ == "marking-definition":
			common = "type:s spec_version:s id:s created_by_ref:r=identity created:t external_references:er object_marking_refs:rs=marking-definition granular_markings:gm extensions:d"
		}
		for _, f := range strings.Fields(common + " " + s.props) {
			name, p := parsePropSpec(f)
			ts.props[name] = p
		}
		specs[s.typ] = ts
	}
}

// parsePropSpec parses "name:kind[=arg]".
func parsePropSpec(f string) (string, propSpec) {
	name, rest, _ := strings.Cut(f, ":")
	code, arg, _ := strings.Cut(rest, "=")
	p := propSpec{ptr: "/" + name}
	switch code {
	case "s":
		p.kind = vString
	case "t":
		p.kind = vTimestamp
	case "r", "rs":
		p.kind = vRef
		if code == "rs" {
			p.kind = vRefs
		}
		if arg != "" {
			p.targets = strings.Split(arg, "|")
		}
	case "ls":
		p.kind = vStrings
	case "i":
		p.kind = vInt
		if lo, hi, ok := strings.Cut(arg, ".."); ok {
			p.min, _ = strconv.ParseInt(lo, 10, 64)
			p.max, _ = strconv.ParseInt(hi, 10, 64)
			p.hasRange = true
		}
	case "f":
		p.kind = vNumber
	case "b":
		p.kind = vBool
	case "d":
		p.kind = vDict
	case "l":
		p.kind = vList
	case "e", "le":
		p.kind = vEnum
		if code == "le" {
			p.kind = vEnums
		}
		p.values = strings.Split(arg, "|")
	case "kc":
		p.kind = vKillChain
	case "er":
		p.kind = vExtRefs
	case "gm":
		p.kind = vMarkings
	case "h":
		p.kind = vHashes
	case "any":
		p.kind = vAny
	default:
		panic("stix: bad property spec " + f)
	}
	return name, p
}

// reservedSDO are property names that STIX 2.1 reserves and that SDOs and
// SROs must not use (the OASIS core.json schema forbids them too).
var reservedSDO = map[string]bool{"severity": true, "action": true, "username": true, "phone_numbers": true}

// kindOf returns the kind of a STIX 2.1 type name (kindCustom if STIX 2.1
// does not define it).
func kindOf(typ string) kind {
	if s, ok := specs[typ]; ok {
		return s.kind
	}
	return kindCustom
}

// predefinedSCOExtensions are the extension names STIX 2.1 §6 defines for
// SCOs (used as keys of "extensions" instead of extension-definition ids).
var predefinedSCOExtensions = map[string]string{
	"archive-ext":          "file",
	"ntfs-ext":             "file",
	"pdf-ext":              "file",
	"raster-image-ext":     "file",
	"windows-pebinary-ext": "file",
	"http-request-ext":     "network-traffic",
	"icmp-ext":             "network-traffic",
	"socket-ext":           "network-traffic",
	"tcp-ext":              "network-traffic",
	"windows-process-ext":  "process",
	"windows-service-ext":  "process",
	"unix-account-ext":     "user-account",
}
