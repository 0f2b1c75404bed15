from transition_sim.cli import command

command()
