/** File names shown and offered for download, the same in the web server and the renderer. Pure: no Node or browser imports. */

/** The last part of a path, whichever separator it uses (a case may have been saved on Windows). */
export function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/**
 * The file name a case downloads as: its file's name, else the name it was uploaded under, else
 * `case.wmicase`; anything but letters, digits, `.`, `_` and `-` replaced (it goes into a header).
 */
export function caseDownloadName(info: { path: string | null; uploadedCopy: string | null }): string {
  const name = info.path ? baseName(info.path) : info.uploadedCopy;
  return name ? name.replace(/[^A-Za-z0-9._-]/g, '_') : 'case.wmicase';
}
