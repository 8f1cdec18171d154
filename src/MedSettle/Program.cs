using MedSettle.Cli;

return await Commands.RunAsync(args);
