// The running workflow's VRAM pressure, for the bar's VRAM tile: raised by the server's
// vram_pressure events (the level changed before a node), back to normal on the run-ended event,
// when the run ends (ComfyUI's end events) or when the socket drops (an end may be missed). Never
// reads the server: the events say it all.
import { VRAM_PRESSURE_EVENT, type HostEvents, type Unsubscribe } from "../lib/events";
import { pressureOf, type Pressure } from "../lib/vramPressure";

export class VramPressureStore {
  current = $state.raw<Pressure | null>(null);

  #events: Pick<HostEvents, "onServerEvent" | "onExecution" | "onConnection">;
  #unsubscribe: Unsubscribe[] = [];

  constructor(events: Pick<HostEvents, "onServerEvent" | "onExecution" | "onConnection">) {
    this.#events = events;
  }

  start(): void {
    if (this.#unsubscribe.length > 0) return;
    this.#unsubscribe.push(
      this.#events.onServerEvent(VRAM_PRESSURE_EVENT, (event) => {
        const next = pressureOf(event);
        // Back to normal ends only that run's pressure (a late event of an earlier run changes nothing).
        if (next) this.current = next;
        else if (this.current?.promptId === event.prompt_id) this.current = null;
      }),
      this.#events.onExecution((event) => {
        const ended =
          event.type === "execution_success" ||
          event.type === "execution_error" ||
          event.type === "execution_interrupted" ||
          (event.type === "executing" && event.node === null);
        if (ended) this.current = null;
      }),
      this.#events.onConnection(() => (this.current = null)),
    );
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }
}
