/**
 * zod's English messages, loaded once. lib/ and functions/ use `zod/mini` (functional API, about
 * 75 KB smaller per bundle than classic `zod`), which ships without a locale: classic zod loads
 * this same one on import. Imported by lib/errors.ts (where issues become 4xx details) and
 * lib/config/env.ts, so every 400 names its problem exactly as before.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
