#!/usr/bin/env bash
# Checks @mpool/sdk as a user gets it: `npm pack`, then the tarball installed into an empty
# project with `npm install` (its dependencies from the registry, nothing from this checkout),
# every entry imported in Node, type-checked by TypeScript (NodeNext resolution, through the
# package's `exports`) and bundled by esbuild (for the browser; `./node` for Node).
# Needs the SDK built once (`npm install` in sdk/js runs codegen; pack runs `npm run build`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/mpool-sdk-pack.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$here"
entries=(. ./indexeddb ./node ./chain ./light ./hls)
# The SDK's own dev tools, wherever the workspace installed them.
tsc="$(node -p "require.resolve('typescript/bin/tsc')")"
esbuild="$(node -p "require.resolve('esbuild/bin/esbuild')")"

npm pack --silent --pack-destination "$work" >/dev/null
tarball="$(cd "$work" && ls ./*.tgz)"
tarball="${tarball#./}"
echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"
tar -tzf "$work/$tarball" >"$work/files"
if grep -vE '^package/(dist/|package\.json$|README\.md$|LICENSE$)' "$work/files"; then
	echo "error: the tarball holds files outside dist/, package.json, README.md and LICENSE" >&2
	exit 1
fi
for file in package/LICENSE package/README.md package/dist/index.js package/dist/descriptors/dist/index.js; do
	grep -qx "$file" "$work/files" || { echo "error: the tarball lacks $file" >&2; exit 1; }
done

# Nothing left over from an older build: every module in dist/ has its source in src/.
for js in $(grep -oE '^package/dist/[^/]+\.js$' "$work/files"); do
	name="$(basename "$js" .js)"
	[ -f "src/$name.ts" ] || { echo "error: the tarball's $js has no src/$name.ts (a stale build?)" >&2; exit 1; }
done

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm pkg set type=module
# hls.js is the `./hls` entry's optional peer: a player that uses the entry installs it.
hls="hls.js@$(cd "$here" && node -p "require('./package.json').devDependencies['hls.js']")"
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" "$hls"
[ ! -e node_modules/@polkadot-api/descriptors ] || { echo "error: the install pulled a descriptors package" >&2; exit 1; }

imports=""
for entry in "${entries[@]}"; do
	spec="@mpool/sdk${entry#.}"
	node --input-type=module -e "
		const m = await import('$spec');
		const names = Object.keys(m);
		if (names.length === 0) throw new Error('$spec exports nothing');
		console.log('node: import(\"$spec\") ->', names.length, 'exports');"
	imports+="export * as e$(echo "$entry" | tr -dc 'a-z') from '$spec';"$'\n'
done

# Type declarations, resolved the way a TypeScript user on Node resolves them.
printf '%s' "$imports" >types.ts
node "$tsc" --noEmit --strict --skipLibCheck false \
	--module nodenext --moduleResolution nodenext --target es2022 --lib es2022,dom types.ts
echo "tsc: every entry's declarations type-check (NodeNext)"

# A bundler: each entry alone, tree-shaken, for the platform it is meant for.
for entry in "${entries[@]}"; do
	spec="@mpool/sdk${entry#.}"
	platform=browser
	[ "$entry" = ./node ] && platform=node
	echo "import * as m from '$spec'; console.log(Object.keys(m).length);" >entry.js
	"$esbuild" entry.js --bundle --format=esm --platform="$platform" \
		--log-level=warning --outfile="bundle-${entry//[^a-z]/}.js"
	echo "esbuild ($platform): $spec -> $(du -k "bundle-${entry//[^a-z]/}.js" | cut -f1) KiB"
done
node bundle-chain.js >/dev/null
echo "pack check passed: $tarball installs alone and every entry imports, type-checks and bundles"
