from transition_sim.cli import main

main()
