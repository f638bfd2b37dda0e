// The player test's stream: an HLS rendition (H.264 + AAC in MPEG-TS, what hls.js plays through
// MediaSource in Chromium) made at test time with Debian's ffmpeg from a synthetic source (a test
// pattern with a running clock, and a tone), and the segment hash list a pool's resource id
// commits to (`@mpool/sdk/hls`: the id is the SHA-256 of the list's bytes).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Writes `index.m3u8`, `segNN.ts` and `mpool-hashes.json` into `dir`. Resolves to
 * `{ resource, segments: [name], segmentSeconds, seconds }`.
 */
export function makeRendition(dir, { seconds = 30, segmentSeconds = 2, ffmpeg = 'ffmpeg' } = {}) {
  mkdirSync(dir, { recursive: true });
  const gop = 25 * segmentSeconds; // a key frame at every segment start
  execFileSync(
    ffmpeg,
    [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25:duration=${seconds}`],
      ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', `${gop}`, '-keyint_min', `${gop}`, '-sc_threshold', '0'],
      ...['-c:a', 'aac', '-b:a', '64k'],
      ...['-f', 'hls', '-hls_time', `${segmentSeconds}`, '-hls_list_size', '0', '-hls_playlist_type', 'vod'],
      ...['-hls_segment_filename', join(dir, 'seg%02d.ts'), join(dir, 'index.m3u8')],
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const segments = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const list = { version: 1, hash: 'sha-256', segments: Object.fromEntries(segments.map((s) => [s, `0x${sha256(readFileSync(join(dir, s)))}`])) };
  const bytes = Buffer.from(JSON.stringify(list, null, 1));
  writeFileSync(join(dir, 'mpool-hashes.json'), bytes);
  return { resource: sha256(bytes), segments, segmentSeconds, seconds };
}
