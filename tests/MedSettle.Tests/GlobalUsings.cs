global using MedSettle.Foundation;
