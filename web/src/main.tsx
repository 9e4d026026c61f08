// The AMP web console: a single-page app served by `amp serve` itself. The shell (navigation, sign-in state) and the
// routes; each page lives in pages/.
import { render } from "preact";
import { useEffect, useErrorBoundary, useState } from "preact/hooks";
import "./styles.css";
import { ApiError, get, getApiKey, setApiKey } from "./api";
import { matchPath, navigate, useLocation } from "./router";
import { Card, ErrorBox, Link, Page } from "./components/ui";
import { Models } from "./pages/Models";
import { ModelPage } from "./pages/ModelPage";
import { DatasetPage, Datasets } from "./pages/Datasets";
import { JobPage, Train } from "./pages/Train";
import { TryIt, TryPicker } from "./pages/TryIt";
import { Monitoring } from "./pages/Monitoring";
import { Admin } from "./pages/Admin";

const NAV: [string, string][] = [
  ["/models", "Models"],
  ["/datasets", "Datasets"],
  ["/train", "Train"],
  ["/try", "Try it"],
  ["/monitoring", "Monitoring"],
  ["/admin", "Admin"],
];

function useApiKey(): string {
  const [key, setKey] = useState(getApiKey());
  useEffect(() => {
    const update = () => setKey(getApiKey());
    window.addEventListener("amp-key-changed", update);
    return () => window.removeEventListener("amp-key-changed", update);
  }, []);
  return key;
}

function SignIn(props: { next: string }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const previous = getApiKey();
    sessionStorage.setItem("amp.apiKey", key.trim());
    try {
      await get("/v1/models"); // any valid key may list; a wrong one is a 401
      setApiKey(key.trim());
      navigate(props.next || "/models");
    } catch (err) {
      if (previous) sessionStorage.setItem("amp.apiKey", previous);
      else sessionStorage.removeItem("amp.apiKey");
      setError(err instanceof ApiError && err.status === 401 ? new Error("This key is not valid (unknown, revoked or expired).") : err);
      setBusy(false);
    }
  };
  return (
    <Page title="Sign in" subtitle="Public models can be browsed and called without a key; everything else needs one.">
      <Card class="card-narrow">
        <form class="form" onSubmit={submit}>
          <label class="field">
            <span>API key</span>
            <input class="input" type="password" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="amp_…" required data-testid="api-key" />
          </label>
          <p class="muted small">
            The key stays in this browser tab (sessionStorage) and is sent only to this server. On first start the server writes an admin key to <code>amp-data/admin.key</code>.
          </p>
          <div class="form-actions">
            <button class="btn btn-primary" type="submit" disabled={busy} data-testid="sign-in">
              Sign in
            </button>
          </div>
        </form>
        <ErrorBox error={error} />
      </Card>
    </Page>
  );
}

function NotFound() {
  return (
    <Page title="Not found">
      <p>
        No page here. <Link href="/models">Go to the models</Link>.
      </p>
    </Page>
  );
}

// The server answers these paths with index.html: the first segments are listed in src/api/console_handlers.cc too.
function Routes(props: { path: string; query: URLSearchParams }) {
  const { path, query } = props;
  if (path === "/" || path === "/models") return <Models />;
  let params: Record<string, string> | null;
  if ((params = matchPath("/models/:name", path))) return <ModelPage name={params.name} />;
  if (path === "/datasets") return <Datasets />;
  if ((params = matchPath("/datasets/:id", path))) return <DatasetPage id={params.id} />;
  if (path === "/train") return <Train datasetId={query.get("dataset") ?? undefined} />;
  if ((params = matchPath("/jobs/:id", path))) return <JobPage id={params.id} />;
  if (path === "/try") return <TryPicker />;
  if ((params = matchPath("/try/:name", path))) return <TryIt name={params.name} />;
  if (path === "/monitoring") return <Monitoring model={query.get("model") ?? undefined} />;
  if (path === "/admin") return <Admin />;
  if (path === "/signin") return <SignIn next={query.get("next") ?? ""} />;
  return <NotFound />;
}

// A render error in one page shows as a message, never as a blank console; moving to another page clears it.
function Boundary() {
  const location = useLocation();
  const [failure, reset] = useErrorBoundary();
  useEffect(() => {
    if (failure) reset();
  }, [location.path]);
  if (failure) return <ErrorBox error={failure} onRetry={reset} />;
  return <Routes path={location.path} query={location.query} />;
}

function App() {
  const { path } = useLocation();
  const key = useApiKey();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  return (
    <div class="app">
      <header class="topbar">
        <Link href="/models" class="brand">
          <span class="brand-mark">▲</span> AMP
        </Link>
        <button class="menu-toggle" aria-label="Menu" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)}>
          ☰
        </button>
        <nav class={`nav ${menuOpen ? "nav-open" : ""}`} aria-label="Main">
          {NAV.map(([href, label]) => (
            <Link key={href} href={href} class={`nav-link ${path === href || path.startsWith(`${href}/`) || (href === "/models" && path === "/") ? "nav-active" : ""}`} testid={`nav-${label.toLowerCase().replace(/\s+/g, "-")}`}>
              {label}
            </Link>
          ))}
        </nav>
        <div class="session">
          {key ? (
            <>
              <span class="muted small hide-narrow" title="signed in with this key">
                {key.slice(0, 12)}…
              </span>
              <button class="btn btn-small" onClick={() => setApiKey("")} data-testid="sign-out">
                Sign out
              </button>
            </>
          ) : (
            <Link class="btn btn-small btn-primary" href={`/signin?next=${encodeURIComponent(path)}`} testid="sign-in-link">
              Sign in
            </Link>
          )}
        </div>
      </header>
      <main class="main">
        <Boundary />
      </main>
    </div>
  );
}

window.addEventListener("unhandledrejection", (event) => console.error("unhandled", event.reason));
render(<App />, document.getElementById("app")!);
