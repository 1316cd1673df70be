// The settings as any renderer of them sees them (ComfyUI's dialog, the modal's Settings tab, the
// standalone host's dialog): one definition type, the dialog's sections, and the rules that read a
// setting's value (toast verbosity, combo options, the server actions' guard).
import type { SessionInfo } from "../api/types";
import type { Toast } from "./messages";

/** ComfyUI's custom renderer (a function as the setting's type, frontend 1.27 to 1.58): returns the control. */
export type CustomSetting = (name: string, setter: (value: unknown) => void, value: unknown, attrs?: Record<string, unknown>) => HTMLElement;

/** A setting definition as ComfyUI takes it (extensions' `settings`), as far as a renderer reads it. */
export interface SettingDefinition {
  id: string;
  name: string;
  type: "boolean" | "number" | "slider" | "combo" | "text" | "hidden" | CustomSetting;
  defaultValue: unknown;
  tooltip?: string;
  /** [extension, section, name]: ComfyUI's dialog groups a panel's settings by the section. */
  category?: string[];
  attrs?: Record<string, unknown>;
  options?: readonly unknown[];
  onChange?: (value: unknown, oldValue?: unknown) => void;
}

export interface SettingSection {
  name: string;
  definitions: SettingDefinition[];
}

/** The shown definitions (not hidden) by section, sections in the order they first appear. */
export function settingSections(definitions: readonly SettingDefinition[]): SettingSection[] {
  const sections = new Map<string, SettingDefinition[]>();
  for (const definition of definitions) {
    if (definition.type === "hidden") continue;
    const name = definition.category?.[1] ?? "General";
    sections.set(name, [...(sections.get(name) ?? []), definition]);
  }
  return [...sections].map(([name, list]) => ({ name, definitions: list }));
}

/** A combo's options as value and label: ComfyUI takes plain strings or {text, value}. */
export function comboOptions(options: readonly unknown[] = []): { value: string; label: string }[] {
  return options.map((option) => {
    const { text = option, value = text } = typeof option === "object" && option ? (option as { text?: unknown; value?: unknown }) : {};
    return { value: String(value), label: String(text) };
  });
}

export const TOAST_VERBOSITIES = ["all", "errors", "none"] as const;
export type ToastVerbosity = (typeof TOAST_VERBOSITIES)[number];

/**
 * Whether a toast of this severity shows at this verbosity: all (also an unknown value), errors only
 * (severity "error": failures and refusals; warnings, successes and notes do not show), or none.
 */
export function toastAllowed(verbosity: unknown, severity: Toast["severity"]): boolean {
  return verbosity !== "none" && (verbosity !== "errors" || severity === "error");
}

/** The server actions' guard in words: allowed here, or why not and how to allow them (the server's reason). */
export function guardText(session: Pick<SessionInfo, "actions_refused_reason">): string {
  return session.actions_refused_reason ?? "Allowed on this server.";
}
