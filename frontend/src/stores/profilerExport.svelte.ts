// Exports made in the browser: a run (read whole from the server) or the history page shown, as
// JSON or CSV, handed to the page as a download (host/page.ts builds the Blob). Says in place what
// it saved or why it could not.
import type { WorkflowRecord, WorkflowSummary } from "../api/types";
import { pageExport, runExport, type ExportFile, type ExportFormat, type PageFilter } from "../lib/profilerExport";
import { failureMessage, isNotFound } from "./failure";

export interface ProfilerExportDeps {
  getWorkflow(promptId: string): Promise<WorkflowRecord>;
  /** The newest stored run with its nodes, or null when history is empty. */
  latestRun(): Promise<WorkflowRecord | null>;
  download(file: ExportFile): void;
  logError(message: string, error?: unknown): void;
  /** The time a page export is stamped with. */
  now(): Date;
}

export type ExportNotice = { tone: "success" | "error"; text: string } | null;

export class ProfilerExportStore {
  /** What is being exported now ("latest", a prompt id, "page"), or null. */
  busy = $state<string | null>(null);
  notice = $state.raw<ExportNotice>(null);
  #deps: ProfilerExportDeps;

  constructor(deps: ProfilerExportDeps) {
    this.#deps = deps;
  }

  /** One run with every node; null: the latest run. */
  exportRun(promptId: string | null, format: ExportFormat): Promise<void> {
    return this.#run(promptId ?? "latest", async () => {
      const run = promptId === null ? await this.#deps.latestRun() : await this.#deps.getWorkflow(promptId);
      if (!run) throw new NothingToExport("No run is stored yet: nothing to export.");
      return runExport(run, format);
    });
  }

  /** The page of history shown (its runs, as listed), with what filtered it. */
  exportPage(items: readonly WorkflowSummary[], filter: PageFilter, total: number, format: ExportFormat): Promise<void> {
    return this.#run("page", async () => {
      if (items.length === 0) throw new NothingToExport("This page has no runs: nothing to export.");
      return pageExport(items, filter, total, format, this.#deps.now());
    });
  }

  async #run(what: string, make: () => Promise<ExportFile>): Promise<void> {
    if (this.busy !== null) return;
    this.busy = what;
    this.notice = null;
    try {
      const file = await make();
      this.#deps.download(file);
      this.notice = { tone: "success", text: `Saved ${file.name}.` };
    } catch (error) {
      if (error instanceof NothingToExport) this.notice = { tone: "error", text: error.message };
      else if (isNotFound(error)) this.notice = { tone: "error", text: `Run ${what} is no longer in history (archived or cleared).` };
      else {
        this.#deps.logError("export failed", error);
        this.notice = { tone: "error", text: `Export failed: ${failureMessage(error)}` };
      }
    } finally {
      this.busy = null;
    }
  }
}

class NothingToExport extends Error {}
