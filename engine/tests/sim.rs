use aula_engine as _;
