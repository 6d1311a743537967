/**
 * Name and address material for synthetic patients. Common given names and surnames,
 * combined at random, so the people are realistic but fictional; contact details use
 * ranges reserved for fiction (Ofcom's drama numbers 020 7946 0xxx and 07700 900xxx,
 * the example.com / example.org domains of RFC 2606).
 */

export interface NamePool {
  readonly female: readonly string[];
  readonly male: readonly string[];
  readonly surnames: readonly string[];
}

export const SPANISH_NAMES: NamePool = {
  female: [
    'María', 'Carmen', 'Lucía', 'Laura', 'Marta', 'Ana', 'Isabel', 'Elena', 'Paula', 'Cristina',
    'Pilar', 'Sara', 'Beatriz', 'Rocío', 'Raquel', 'Nuria', 'Silvia', 'Inés', 'Teresa', 'Rosa',
    'Alicia', 'Mercedes', 'Irene', 'Claudia', 'Montserrat', 'Begoña', 'Almudena', 'Esther',
  ],
  male: [
    'Antonio', 'Manuel', 'José', 'Francisco', 'David', 'Javier', 'Carlos', 'Miguel', 'Alejandro', 'Rafael',
    'Pablo', 'Fernando', 'Luis', 'Jorge', 'Alberto', 'Sergio', 'Álvaro', 'Andrés', 'Ignacio', 'Diego',
  ],
  surnames: [
    'García', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Martín',
    'Jiménez', 'Ruiz', 'Hernández', 'Díaz', 'Moreno', 'Muñoz', 'Álvarez', 'Romero', 'Navarro', 'Torres',
    'Domínguez', 'Gil', 'Vázquez', 'Serrano', 'Ramos', 'Blanco', 'Molina', 'Castro', 'Ortega', 'Rubio',
    'Delgado', 'Iglesias', 'Medina', 'Garrido', 'Cortés', 'Santos', 'Lozano', 'Guerrero', 'Cano', 'Prieto',
  ],
};

export const ENGLISH_NAMES: NamePool = {
  female: [
    'Olivia', 'Emily', 'Sophie', 'Charlotte', 'Jessica', 'Hannah', 'Lucy', 'Sarah', 'Emma', 'Rebecca',
    'Claire', 'Helen', 'Rachel', 'Katherine', 'Joanne', 'Victoria', 'Alice', 'Eleanor', 'Fiona', 'Harriet',
    'Louise', 'Nicola', 'Amanda', 'Jennifer', 'Margaret', 'Susan', 'Catherine', 'Philippa',
  ],
  male: [
    'James', 'Oliver', 'Thomas', 'William', 'Harry', 'George', 'Jack', 'Daniel', 'Matthew', 'Richard',
    'Andrew', 'Edward', 'Christopher', 'Simon', 'Peter', 'Michael', 'Benjamin', 'Robert', 'Henry', 'Mark',
  ],
  surnames: [
    'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright',
    'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke',
    'Harris', 'Lewis', 'Hughes', 'Turner', 'Cooper', 'Hill', 'Ward', 'Morris', 'Moore', 'King',
    'Baker', 'Harrison', 'Morgan', 'Allen', 'Bennett', 'Fletcher', 'Price', 'Ellis', 'Shaw', 'Lloyd',
  ],
};

/** Names of the wider communities of each city, for the minority of patients. */
export const OTHER_NAMES: NamePool = {
  female: ['Priya', 'Aisha', 'Fatima', 'Chiamaka', 'Agnieszka', 'Mei', 'Yasmin', 'Ioana', 'Valentina', 'Camila', 'Giulia', 'Amara'],
  male: ['Arjun', 'Omar', 'Tunde', 'Piotr', 'Wei', 'Mateo', 'Hassan', 'Rohan', 'Luca', 'Andrei', 'Kwame', 'Santiago'],
  surnames: [
    'Patel', 'Khan', 'Okafor', 'Kowalski', 'Chen', 'Rossi', 'Popescu', 'Hussain', 'Adeyemi', 'Nowak',
    'Sharma', 'Mensah', 'Bianchi', 'Haddad', 'Silva', 'Ortiz',
  ],
};

export interface CityAddressPool {
  readonly city: string;
  readonly country: string;
  readonly streets: readonly string[];
  /** Postal district prefixes; a random suffix completes the code. */
  readonly postcodes: readonly string[];
}

export const MADRID: CityAddressPool = {
  city: 'Madrid',
  country: 'ES',
  streets: [
    'Calle de los Almendros', 'Calle del Olivo', 'Avenida de los Castaños', 'Calle de la Alameda',
    'Paseo de las Acacias', 'Calle del Limonero', 'Calle de la Retama', 'Calle del Romero',
    'Calle de las Magnolias', 'Calle del Tomillo', 'Avenida del Pinar', 'Calle de la Encina',
  ],
  postcodes: ['28001', '28004', '28007', '28010', '28014', '28015', '28020', '28028', '28036', '28045'],
};

export const LONDON: CityAddressPool = {
  city: 'London',
  country: 'GB',
  streets: [
    'Alder Road', 'Chestnut Grove', 'Willow Walk', 'Hawthorn Avenue', 'Rowan Close', 'Birch Lane',
    'Linden Gardens', 'Elm Terrace', 'Sycamore Street', 'Maple Crescent', 'Holly Mews', 'Beech Row',
  ],
  postcodes: ['N1', 'N7', 'NW3', 'NW5', 'SE1', 'SE22', 'SW4', 'SW11', 'E2', 'E8', 'W2', 'W12'],
};
