/**
 * The shipped knowledge base (content/plans/), loaded once. The files are imported as JSON
 * modules, so no engine reads the file system; validation runs on first use and a broken
 * entry stops with a KnowledgeBaseError naming file, entry and field. A test keeps the list
 * below in step with the folder (add a new intervention file in both places).
 */
import manifest from '../../../content/plans/kb.json' with { type: 'json' };
import vocabulary from '../../../content/plans/vocabulary.json' with { type: 'json' };
import concerns from '../../../content/plans/concerns.json' with { type: 'json' };
import contraindications from '../../../content/plans/contraindications.json' with { type: 'json' };
import care from '../../../content/plans/care.json' with { type: 'json' };
import regimen from '../../../content/plans/regimen.json' with { type: 'json' };
import panel from '../../../content/plans/genetics-panel.json' with { type: 'json' };
import neuromodulators from '../../../content/plans/interventions/neuromodulators.json' with { type: 'json' };
import fillersHa from '../../../content/plans/interventions/fillers-ha.json' with { type: 'json' };
import fillersOther from '../../../content/plans/interventions/fillers-other.json' with { type: 'json' };
import biostimulators from '../../../content/plans/interventions/biostimulators.json' with { type: 'json' };
import regenerative from '../../../content/plans/interventions/regenerative.json' with { type: 'json' };
import peels from '../../../content/plans/interventions/peels.json' with { type: 'json' };
import microneedling from '../../../content/plans/interventions/microneedling.json' with { type: 'json' };
import energyDevices from '../../../content/plans/interventions/energy-devices.json' with { type: 'json' };
import topicals from '../../../content/plans/interventions/topicals.json' with { type: 'json' };
import oncological from '../../../content/plans/interventions/oncological.json' with { type: 'json' };
import lifestyle from '../../../content/plans/interventions/lifestyle.json' with { type: 'json' };
import type { KnowledgeBase } from './schema.ts';
import { validateKnowledgeBase, type KnowledgeBaseSource } from './validate.ts';

/** The shipped files as parsed JSON, each with its path under content/plans/. */
export const SHIPPED_SOURCE: KnowledgeBaseSource = {
  manifest: { file: 'kb.json', data: manifest },
  vocabulary: { file: 'vocabulary.json', data: vocabulary },
  concerns: { file: 'concerns.json', data: concerns },
  contraindications: { file: 'contraindications.json', data: contraindications },
  care: { file: 'care.json', data: care },
  regimen: { file: 'regimen.json', data: regimen },
  panel: { file: 'genetics-panel.json', data: panel },
  interventions: [
    { file: 'interventions/neuromodulators.json', data: neuromodulators },
    { file: 'interventions/fillers-ha.json', data: fillersHa },
    { file: 'interventions/fillers-other.json', data: fillersOther },
    { file: 'interventions/biostimulators.json', data: biostimulators },
    { file: 'interventions/regenerative.json', data: regenerative },
    { file: 'interventions/peels.json', data: peels },
    { file: 'interventions/microneedling.json', data: microneedling },
    { file: 'interventions/energy-devices.json', data: energyDevices },
    { file: 'interventions/topicals.json', data: topicals },
    { file: 'interventions/oncological.json', data: oncological },
    { file: 'interventions/lifestyle.json', data: lifestyle },
  ],
};

let cached: KnowledgeBase | undefined;

/** The validated shipped knowledge base (validated on first call, then reused). */
export function shippedKnowledgeBase(): KnowledgeBase {
  cached ??= validateKnowledgeBase(SHIPPED_SOURCE);
  return cached;
}
