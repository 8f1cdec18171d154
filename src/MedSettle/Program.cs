using MedSettle.Cli;

return await Commands.Root().Parse(args).InvokeAsync();
