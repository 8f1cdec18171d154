// The foundation (formats, the platform's clock) is below every other layer: every file may use it (docs/ARCHITECTURE.md).
global using MedSettle.Foundation;
