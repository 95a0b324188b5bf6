/**
 * The "ask Tempora" grammar (docs/converse.md): a rules-based intent parser, no model and no
 * network. Each rule is one regular expression over the normalised question (one space between
 * words, no trailing `?`, `.` or `!`, quotes and backticks around a word dropped); keywords
 * match in any case, names and ids keep theirs. The first rule that matches wins.
 */

export type ConverseIntent =
  | 'entity.future'
  | 'entity.why'
  | 'service.dependents'
  | 'event.impact'
  | 'intent.cancel'
  | 'intent.reschedule'
  | 'unknown';

export interface ParsedQuestion {
  intent: ConverseIntent;
  /** The words the rule captured: type, id, outcome, service, event, pattern, when. */
  slots: Record<string, string>;
}

/** Three questions the parser understands, for an `unknown` answer. */
export const EXAMPLE_QUESTIONS = [
  'what will happen to user <id>',
  'why was campaign <id> archived',
  'what depends on campaign',
] as const;

const TYPE = '(?<type>[A-Za-z_/]+)';
const ID = '(?<id>[A-Za-z0-9_-]{1,128})';
const NAME = '(?<service>[A-Za-z][A-Za-z0-9_/-]{0,63})';
const EVENT = '(?<event>[A-Za-z][A-Za-z0-9_.*-]{0,127})';
const PATTERN = '(?<pattern>[A-Za-z][A-Za-z0-9_.:-]{0,63})';

const RULES: ReadonlyArray<{ intent: Exclude<ConverseIntent, 'unknown'>; re: RegExp }> = [
  {
    intent: 'entity.future',
    re: new RegExp(
      `^(?:what(?:'s| is| will)? (?:going to |gonna )?happens? to|what is scheduled for|what's scheduled for) (?:the )?${TYPE} ${ID}$`,
      'i',
    ),
  },
  {
    intent: 'entity.why',
    re: new RegExp(
      `^why (?:was|is|has|did) (?:the )?${TYPE} ${ID} (?:been |get |gets )?(?<outcome>deleted|archived|delete|archive)$`,
      'i',
    ),
  },
  {
    intent: 'service.dependents',
    re: new RegExp(`^(?:what|who|which services?) (?:depends|depend) on (?:the )?${NAME}(?: service)?$`, 'i'),
  },
  {
    intent: 'event.impact',
    re: new RegExp(
      `^(?:what|who) (?:breaks|would break|will break|is affected) if (?:the )?${EVENT}(?: event)? (?:changes|changed|change)$`,
      'i',
    ),
  },
  {
    intent: 'intent.cancel',
    re: new RegExp(`^cancel (?:the )?${PATTERN} (?:of|for) (?:the )?${TYPE} ${ID}$`, 'i'),
  },
  {
    intent: 'intent.reschedule',
    re: new RegExp(
      `^(?:reschedule|move|postpone) (?:the )?${PATTERN} (?:of|for) (?:the )?${TYPE} ${ID} (?:to|until|for) (?<when>.+)$`,
      'i',
    ),
  },
];

/** The question as the rules read it: one space between words, no closing punctuation. */
export function normalise(text: string): string {
  return text
    .replace(/[`"“”‘’]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[?.!\s]+$/, '');
}

/** The first rule the question matches, with its captured words; `unknown` otherwise. */
export function parseQuestion(text: string): ParsedQuestion {
  const q = normalise(text);
  for (const { intent, re } of RULES) {
    const m = re.exec(q);
    if (!m?.groups) continue;
    const slots: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups)) if (v !== undefined) slots[k] = v;
    if (slots.outcome)
      slots.outcome = slots.outcome.toLowerCase().startsWith('delete') ? 'deleted' : 'archived';
    if (slots.type) slots.type = slots.type.toLowerCase();
    return { intent, slots };
  }
  return { intent: 'unknown', slots: {} };
}

const UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

/**
 * A reschedule's target time: an ISO 8601 date (midnight UTC) or date-time, or `in <n>
 * minutes|hours|days|weeks` from `now`. Undefined when the words are neither.
 */
export function parseWhen(words: string, now: number): Date | undefined {
  const rel = /^in (\d{1,6}) (minute|hour|day|week)s?$/i.exec(words.trim());
  if (rel) return new Date(now + Number(rel[1]) * (UNITS[(rel[2] as string).toLowerCase()] ?? 0));
  if (
    !/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.test(words.trim())
  )
    return undefined;
  const at = Date.parse(words.trim());
  return Number.isNaN(at) ? undefined : new Date(at);
}
