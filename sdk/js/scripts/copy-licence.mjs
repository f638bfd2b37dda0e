// npm packs no symbolic link, so the repository's licence is copied into the package before
// `npm pack` (the copy is ignored by git: LICENSE-APACHE2 at the root is the one kept).
import { copyFileSync } from 'node:fs';

copyFileSync(new URL('../../../LICENSE-APACHE2', import.meta.url), new URL('../LICENSE', import.meta.url));
