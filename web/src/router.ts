// A small history-API router: the server answers every client route with index.html, so paths are real URLs that
// can be bookmarked and reloaded.
import { useEffect, useState } from "preact/hooks";

export function navigate(path: string): void {
  if (path === location.pathname + location.search) return;
  history.pushState(null, "", path);
  window.dispatchEvent(new Event("amp-navigate"));
  window.scrollTo(0, 0);
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((tick) => tick + 1);
    window.addEventListener("popstate", update);
    window.addEventListener("amp-navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("amp-navigate", update);
    };
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

// Matches "/models/:name" against a path; the decoded params, or null.
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let idx = 0; idx < want.length; idx++) {
    if (want[idx].startsWith(":")) {
      try {
        params[want[idx].slice(1)] = decodeURIComponent(have[idx]);
      } catch {
        return null;
      }
    } else if (want[idx] !== have[idx]) {
      return null;
    }
  }
  return params;
}
