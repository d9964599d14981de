package importer

import "article5"

// Object returns the common properties of an SDO or SRO: type, spec_version
// 2.1, id, created and modified (the dataset's fixed timestamp, with
// milliseconds) and created_by_ref (the dataset's identity).
func Object(typ, id, timestamp, createdBy string) map[string]any {
	o := map[string]any{"type": typ, "spec_version": "2.1", "id": id, "created": timestamp, "modified": timestamp}
	if createdBy != "" {
		o["created_by_ref"] = createdBy
	}
	return o
}

// Relationship returns a relationship SRO with a reproducible id over
// (type, source, target).
func Relationship(relType, source, target, timestamp, createdBy string) map[string]any {
	o := Object("relationship", ID("relationship", relType, source, target), timestamp, createdBy)
	o["relationship_type"] = relType
	o["source_ref"] = source
	o["target_ref"] = target
	return o
}

// Extensions returns an incident's extensions dictionary with the Incident
// Core Extension (determination and investigation_status are required) and
// article5's extension (domain is required); more properties are added by
// the caller to the returned maps.
func Extensions(determination, investigationStatus, domain string) (ext, core, a5 map[string]any) {
	core = map[string]any{"extension_type": "property-extension", "determination": determination, "investigation_status": investigationStatus}
	a5 = map[string]any{"extension_type": "property-extension", "domain": domain}
	ext = map[string]any{article5.IncidentCoreID: core, article5.ExtensionID: a5}
	return ext, core, a5
}

// Impact returns an Incident Core impact object of one category, with the
// category's sub-extension, e.g. Impact(id, ts, by, "availability",
// map[string]any{"availability_impact": 100}).
func Impact(id, timestamp, createdBy, category string, sub map[string]any) map[string]any {
	o := Object("impact", id, timestamp, createdBy)
	o["impact_category"] = category
	o["extensions"] = map[string]any{
		article5.ImpactID: map[string]any{"extension_type": "new-sdo"},
		category:          sub,
	}
	return o
}

// A5Relationship sets article5's extension on a relationship (legal basis
// of an attribution).
func A5Relationship(rel map[string]any, legalBasis string) {
	rel["extensions"] = map[string]any{article5.ExtensionID: map[string]any{"extension_type": "property-extension", "legal_basis": legalBasis}}
}
