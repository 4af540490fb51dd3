#!/bin/sh
# Adds Anime Desktop to the application menu of this user (no root needed); run it from the unpacked folder.
# Undo: rm ~/.local/share/applications/anime-desktop.desktop ~/.local/share/icons/hicolor/*/apps/anime-desktop.png
set -e
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
for png in "$here"/share/icons/hicolor/*/apps/anime-desktop.png; do
  size=$(basename "$(dirname "$(dirname "$png")")")
  mkdir -p "$data/icons/hicolor/$size/apps" && cp "$png" "$data/icons/hicolor/$size/apps/"
done
mkdir -p "$data/applications"
sed "s|^Exec=anime-desktop|Exec=\"$here/anime-desktop\"|" "$here/share/applications/anime-desktop.desktop" \
  > "$data/applications/anime-desktop.desktop"
echo "added Anime Desktop to the menu ($data/applications/anime-desktop.desktop)"
